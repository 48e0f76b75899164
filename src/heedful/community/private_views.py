"""A member's private messages with the brand's staff: readable by that member alone."""

from __future__ import annotations

from django.http import HttpResponseRedirect

from heedful.community import private_messages, selectors
from heedful.community.members import viewer_of
from heedful.community.views import _page, forum_view


@forum_view
def inbox(request):
    who = viewer_of(request)
    if who.member is None:
        return HttpResponseRedirect("/community/login/?next=/community/messages/")
    if request.method == "POST":
        private_messages.write(who, request.POST.get("body", ""))
        return HttpResponseRedirect("/community/messages/#latest")
    return _page(request, "community/messages.html",
                 {"messages": selectors.private_messages(who.member), "viewer": who})
