"""Contacts with their identities and cross-channel timeline."""

from __future__ import annotations

from ninja import Router

from heedful.accounts.access import access_contact, conversations_for
from heedful.api.v1 import serializers

router = Router(tags=["contacts"])


@router.get("/contacts/{contact_id}")
def get_contact(request, contact_id: int):
    contact = access_contact(request.auth, contact_id)
    timeline = conversations_for(request.auth).filter(contact=contact).order_by("-last_activity_at")[:200]
    data = serializers.contact(contact)
    data["timeline"] = [serializers.conversation(c) | {"provider": c.channel.provider}
                        for c in timeline.select_related("channel")]
    return data
