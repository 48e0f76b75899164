"""Contacts: search, identities and cross-channel timeline, notes, link suggestions, merge and
unmerge, privacy export and erasure. Every read goes through the contact gate."""

from __future__ import annotations

from django.db import transaction
from ninja import Field, Router, Schema, Status

from heedful.accounts.access import (
    access_contact,
    access_suggestion,
    can_erase_contacts,
    can_export_contacts,
    require_text_reader,
)
from heedful.api.v1 import serializers
from heedful.api.v1.errors import answers
from heedful.api.v1.fields import NonBlank
from heedful.api.v1.pagination import paginate
from heedful.contacts import actions, linking, merging, selectors, unlinking
from heedful.core.errors import NotFound, PermissionDenied
from heedful.privacy import erasure, exports
from heedful.web import contact_queries

router = Router(tags=["contacts"])


class ContactPatch(Schema):
    name: str | None = None
    attributes: dict | None = Field(None, description="keys to set; a null value removes the key")


class MergeIn(Schema):
    into: int = Field(..., description="The contact that stays. The contact in the URL is merged into "
                                       "it: its identities, conversations and notes move there, and it "
                                       "keeps only a `merged_into` pointer until it is unmerged.")


class NoteIn(Schema):
    text: NonBlank


def _summary(contact) -> dict | None:
    if contact is None:
        return None
    return {"id": contact.pk, "name": contact.name, "merged_into": contact.merged_into_id,
            "erased": contact.erased_at is not None}


def _contact(contact) -> dict:
    return serializers.contact(contact) | {
        "merged_into": contact.merged_into_id,
        "erased_at": serializers.iso(contact.erased_at),
        "identities": [serializers.identity(i) for i in contact.identities.order_by("kind", "pk")],
    }


def _suggestion(s) -> dict:
    return {"id": s.pk, "contact": _summary(s.contact), "other": _summary(s.other),
            "handle_kind": s.handle_kind, "handle": s.handle, "reason": s.reason, "status": s.status,
            "created_at": serializers.iso(s.created_at)}


def _merge(m) -> dict:
    return {"id": m.pk, "source": m.source_id, "target": m.target_id, "reason": m.reason,
            "actor": m.actor_id, "created_at": serializers.iso(m.created_at),
            "unmerged_at": serializers.iso(m.unmerged_at),
            "moved": {k: len(v) for k, v in m.moved.items() if isinstance(v, list)}}


def _contact_note(n) -> dict:
    return {"id": n.pk, "contact": n.contact_id, "author": n.author_id, "text": n.text,
            "created_at": serializers.iso(n.created_at)}


@router.get("/contacts")
@answers(404)
def list_contacts(request, q: str = ""):
    """Contacts this user may read, searched by name, handle or screen name (`?q=`)."""
    require_text_reader(request.auth)
    return paginate(request, contact_queries.search(request.auth, q).prefetch_related("identities"), _contact)


@router.get("/contacts/{contact_id}")
def get_contact(request, contact_id: int):
    """The contact with its identities and a cross-channel `timeline` (newest first)."""
    contact = access_contact(request.auth, contact_id)
    timeline = contact_queries.timeline(request.auth, contact)[:200]
    data = _contact(contact)
    data["timeline"] = [serializers.conversation(c) | {"provider": c.channel.provider,
                                                       "channel_name": c.channel.name,
                                                       "open": c.status != "resolved"} for c in timeline]
    data["open_elsewhere"] = contact_queries.open_elsewhere(request.auth, contact)
    data["suggestions"] = contact_queries.suggestions(request.auth, contact).count()
    return data


@router.patch("/contacts/{contact_id}")
def update_contact(request, contact_id: int, body: ContactPatch):
    contact = access_contact(request.auth, contact_id, write=True)
    with transaction.atomic():
        contact = actions.update_contact(request.auth, contact, **body.dict(exclude_unset=True))
    return _contact(contact)


@router.delete("/contacts/{contact_id}")
def erase_contact(request, contact_id: int):
    """Erase the customer's personal data (admins). Rows stay so report totals do not change."""
    contact = access_contact(request.auth, contact_id, write=True)
    if not can_erase_contacts(request.auth):
        raise PermissionDenied("only admins erase contacts")
    with transaction.atomic():
        counts = erasure.erase(request.auth, contact)
    return {"id": contact.pk, "erased": True, **counts}


@router.get("/contacts/{contact_id}/export")
@answers(403)
def export_contact(request, contact_id: int):
    """Everything held about the customer: contact, identities, every conversation and message,
    notes, and the audit trail including this export (admins)."""
    contact = access_contact(request.auth, contact_id)
    if not can_export_contacts(request.auth):
        raise PermissionDenied("only admins export contacts")
    with transaction.atomic():
        return exports.export(request.auth, contact)


@router.post("/contacts/{contact_id}/merge")
@answers(409)
def merge_contact(request, contact_id: int, body: MergeIn):
    """Merge this contact into `into`. Undo with POST /contacts/{contact_id}/unmerge."""
    source = access_contact(request.auth, contact_id, write=True)
    target = access_contact(request.auth, body.into, write=True)
    with transaction.atomic():
        record = merging.merge(request.auth, source, target)
    target.refresh_from_db()
    return _contact(target) | {"merge": _merge(record)}


@router.post("/contacts/{contact_id}/unmerge")
@answers(409)
def unmerge_contact(request, contact_id: int):
    """Undo the latest merge of this (merged) contact: both contacts get back what they had."""
    source = access_contact(request.auth, contact_id, write=True)
    with transaction.atomic():
        record = merging.unmerge(request.auth, source)
    source.refresh_from_db()
    return _contact(source) | {"merge": _merge(record)}


@router.post("/contacts/{contact_id}/identities/{identity_id}/unlink")
def unlink_identity(request, contact_id: int, identity_id: int):
    """This handle is somebody else's: it moves to a new contact with the conversations written
    from it alone. Answers the new contact."""
    contact = access_contact(request.auth, contact_id, write=True)
    identity = contact.identities.filter(pk=identity_id).first()
    if identity is None:
        raise NotFound("no such identity on this contact")
    with transaction.atomic():
        new = unlinking.unlink(request.auth, identity)
    return _contact(new)


@router.get("/contacts/{contact_id}/merges")
def list_merges(request, contact_id: int):
    """Merges into this contact that can still be undone."""
    contact = access_contact(request.auth, contact_id)
    return paginate(request, selectors.merges(contact), _merge)


@router.get("/contacts/{contact_id}/suggestions")
def list_suggestions(request, contact_id: int):
    """Pending link suggestions an agent can confirm or dismiss."""
    contact = access_contact(request.auth, contact_id)
    return paginate(request, contact_queries.suggestions(request.auth, contact), _suggestion)


@router.get("/contacts/{contact_id}/notes")
def list_contact_notes(request, contact_id: int):
    contact = access_contact(request.auth, contact_id)
    return paginate(request, contact.notes.order_by("created_at", "pk"), _contact_note)


@router.post("/contacts/{contact_id}/notes", response={201: dict})
def add_contact_note(request, contact_id: int, body: NoteIn):
    contact = access_contact(request.auth, contact_id, write=True)
    with transaction.atomic():
        note = actions.add_note(request.auth, contact, body.text)
    return Status(201, _contact_note(note))


@router.post("/link-suggestions/{suggestion_id}/confirm")
def confirm_suggestion(request, suggestion_id: int):
    """Yes, same person: the suggestion's contact is merged into the other (or gets the handle)."""
    suggestion = access_suggestion(request.auth, suggestion_id)
    with transaction.atomic():
        suggestion = linking.confirm(request.auth, suggestion)
    return _suggestion(suggestion)


@router.post("/link-suggestions/{suggestion_id}/dismiss")
def dismiss_suggestion(request, suggestion_id: int):
    suggestion = access_suggestion(request.auth, suggestion_id)
    with transaction.atomic():
        suggestion = linking.dismiss(request.auth, suggestion)
    return _suggestion(suggestion)
