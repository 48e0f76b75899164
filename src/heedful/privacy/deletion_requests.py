"""A provider's data deletion callback, answered at once: the person the provider names (an
app-scoped user id) is erased through `privacy.erasure.erase`, like an admin's erasure, and a
`DeletionRequest` with a confirmation code records what was done.

The whole contact is erased, every channel included: the request is the person's, and Heedful
keeps one customer across handles. Erasure touches only the database (no network), so it runs
inside the callback's request and is done when Meta gets the answer.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from heedful.audit.actions import record as audit
from heedful.channels.base import Handle
from heedful.contacts.actions import blocked_identity
from heedful.contacts.linking import live
from heedful.contacts.models import Identity
from heedful.contacts.normalize import handle as normalized_handle
from heedful.core.clock import now
from heedful.privacy.erasure import erase
from heedful.privacy.models import DeletionRequest


def handle_request(channel, who: Handle) -> DeletionRequest:
    key = normalized_handle(who.kind, who.handle)
    with transaction.atomic():
        identity = Identity.objects.select_related("contact").filter(kind=who.kind, handle=key).first()
        contact = live(identity.contact) if identity is not None else None
        counts, outcome = {}, "nothing_stored"
        if contact is not None and not contact.erased_at:
            counts, outcome = erase(None, contact), "erased"
        elif contact is not None or blocked_identity(who.kind, key) is not None:
            outcome = "erased"  # erased before: nothing of theirs is left
        request = DeletionRequest.objects.create(
            code=secrets.token_hex(8), provider=channel.provider, channel_id=channel.pk, outcome=outcome,
            counts=counts, requested_at=now(), completed_at=now())
        audit(None, "privacy.deletion_requested", "deletion_request", request.pk, provider=channel.provider,
              channel=channel.pk, outcome=outcome, contact=contact.pk if contact else None)
    return request
