"""One sign-in for the brand's public pages: `request.community_member` is the forum member
signed in on this browser (their own session key, checked against their password hash), or
None. The help centre reads it to attribute "was this helpful?" votes to the member, without
importing the forum; the workspace and the desk's API never look at it."""

from __future__ import annotations

from heedful.community import members


class MemberMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        # Only a session that holds a member costs a query.
        signed_in = session is not None and members.SESSION_KEY in session
        request.community_member = members.session_member(request) if signed_in else None
        return self.get_response(request)
