"""Forms of the public pages. Validation of content (lengths, links, limits) is the actions'."""

from django import forms


class SignupForm(forms.Form):
    username = forms.CharField(max_length=30)
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, max_length=128)


class LoginForm(forms.Form):
    username = forms.CharField(max_length=254, label="Username or email")
    password = forms.CharField(widget=forms.PasswordInput, max_length=128)


class TopicForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea, max_length=32_000, label="Your question")


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=32_000, label="Your reply")


class FlagForm(forms.Form):
    reason = forms.CharField(max_length=16)


class ResetForm(forms.Form):
    email = forms.EmailField(max_length=254)


class NewPasswordForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, max_length=128, label="New password")
