from django.shortcuts import redirect


def home(request):
    return redirect("/inbox/" if request.user.is_authenticated else "/login/")
