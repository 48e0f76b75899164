"""Single sign-on from the forum to the web chat on the brand's pages of the same origin.

A signed-in member's page asks `POST /community/chat-identity/` for the widget's identity claim
`{id, name, hash}` (hash = hex HMAC-SHA256 of the id under the chat channel's identity secret,
computed here, so the secret never reaches the browser) and hands it to `Heedful.identify()`.
The claim's id is the member's, so the chat's handle is the same on every device; before
answering, that handle is linked to the contact of the member's forum account, so the chat
lands on the same contact as their forum posts.

The claim carries no email: the forum does not verify sign-up addresses, and the widget treats
an identified email as verified.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.db import transaction

from heedful.channels.cache import get_channel
from heedful.channels.models import ChannelStatus
from heedful.channels.providers.community.provider import FORUM
from heedful.channels.providers.webchat.provider import KIND as WEBCHAT
from heedful.channels.providers.webchat.provider import channel_id_from_key
from heedful.community.models import MemberProfile
from heedful.contacts import actions as contact_actions
from heedful.core.errors import Conflict, NotFound, ValidationError

log = logging.getLogger(__name__)


def chat_channel(public_key: str):
    """The web chat channel named by its embed key, if it can identify visitors."""
    channel_id = channel_id_from_key(public_key or "")
    channel = get_channel(channel_id) if channel_id else None
    if channel is None or channel.provider != WEBCHAT or channel.status == ChannelStatus.DISABLED:
        raise NotFound("no such chat")
    if not channel.credential("identity_secret"):
        raise Conflict("this chat has no identity secret, so it cannot recognise members")
    return channel


def claim_id(member: MemberProfile) -> str:
    return f"community-{member.user_id}"


def claim(member: MemberProfile, channel) -> dict:
    user_id = claim_id(member)
    digest = hmac.new(channel.credential("identity_secret").encode(), user_id.encode(), hashlib.sha256).hexdigest()
    user = member.user
    return {"id": user_id, "name": user.get_full_name() or user.get_username(), "hash": digest}


def link_chat_to_member(member: MemberProfile, channel) -> int | None:
    """Put the member's chat handle on the contact of their forum account (creating that
    contact when the member never reached the desk); the contact's id, or None when the
    handle already belongs to someone else or the member was erased."""
    user = member.user
    handle = f"{channel.pk}.u.{claim_id(member)}"  # the widget's handle for an identified visitor
    with transaction.atomic():
        forum = contact_actions.resolve_identity(FORUM.key, str(user.pk),
                                                 display_name=user.get_full_name() or user.get_username(),
                                                 username=user.get_username())
        if forum.blocked:
            return None
        try:
            contact_actions.add_identity(forum.contact, WEBCHAT, handle, linked_via="community sign-in")
        except ValidationError:
            log.info("chat handle of member %s is on another contact; left for a merge", user.pk)
            return None
    return forum.contact_id
