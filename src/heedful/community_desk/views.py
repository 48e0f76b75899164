"""`POST /community/chat-identity/` (a signed-in member, CSRF-checked): the web chat's identity
claim for that member, see `chat_identity`."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_POST

from heedful.community.members import session_member
from heedful.community_desk import chat_identity
from heedful.core.errors import HeedfulError


@require_POST
def chat_identity_claim(request):
    member = session_member(request)
    if member is None:
        return _answer({"detail": "sign in to the community first"}, 401)
    try:
        channel = chat_identity.chat_channel(request.POST.get("channel", ""))
    except HeedfulError as exc:
        return _answer({"detail": str(exc)}, exc.status)
    chat_identity.link_chat_to_member(member, channel)
    return _answer(chat_identity.claim(member, channel), 200)


def _answer(body: dict, status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "private, no-store"  # a claim is this member's alone
    return response
