"""Merge two contacts into one, and undo it exactly.

A merge moves the source's identities, conversations, notes and pending link suggestions to the
target, fills the target's gaps from the source (attributes it lacks, a real name for a
placeholder, the larger reach) and leaves the source as an empty shell with `merged_into` set.
The MergeRecord keeps the moved ids and both contacts' fields before the merge, so `unmerge`
gives each contact back exactly what it had. Conversations opened after the merge by the
source's own handles go back with them; anything else that happened since stays on the target.
"""

from __future__ import annotations

from django.db.models import Max

from heedful.audit.actions import record as audit
from heedful.contacts.models import (
    Contact,
    ContactNote,
    LinkSuggestion,
    MergeRecord,
    SuggestionStatus,
)
from heedful.conversations.models import Conversation, Message
from heedful.core.clock import now
from heedful.core.errors import Conflict, ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit

FIELDS = ("name", "attributes", "followers_count", "verified")


def snapshot(contact: Contact) -> dict:
    return {f: getattr(contact, f) for f in FIELDS}


def _lock(*ids) -> dict[int, Contact]:
    rows = Contact.objects.select_for_update().filter(pk__in=ids).order_by("pk")  # fixed order: no deadlock
    return {c.pk: c for c in rows}


def _check_mergeable(source: Contact, target: Contact) -> None:
    if source.pk == target.pk:
        raise ValidationError("a contact cannot be merged into itself")
    for contact in (source, target):
        if contact.erased_at:
            raise ValidationError(f"contact #{contact.pk} was erased")
        if contact.merged_into_id:
            raise Conflict(f"contact #{contact.pk} was already merged into #{contact.merged_into_id}")


def _ids(qs) -> list[int]:
    return sorted(qs.values_list("pk", flat=True))


def merge(actor, source: Contact, target: Contact, *, reason: str = "manual") -> MergeRecord:
    """Merge `source` into `target`. Call inside a transaction; the caller has checked the gates."""
    locked = _lock(source.pk, target.pk)
    source, target = locked[source.pk], locked[target.pk]
    _check_mergeable(source, target)
    pending = LinkSuggestion.objects.filter(status=SuggestionStatus.PENDING)
    between = pending.filter(contact__in=[source, target], other__in=[source, target])
    moved = {
        "identities": _ids(source.identities.all()),
        "conversations": _ids(Conversation.objects.filter(contact=source)),
        "notes": _ids(ContactNote.objects.filter(contact=source)),
        "suggestions": _ids(pending.filter(contact=source).exclude(pk__in=between)),
        "suggestions_other": _ids(pending.filter(other=source).exclude(pk__in=between)),
        "settled": _ids(between),
        "conversation_high_water": Conversation.objects.aggregate(m=Max("pk"))["m"] or 0,
    }
    source.identities.update(contact=target)
    Conversation.objects.filter(pk__in=moved["conversations"]).update(contact=target)
    ContactNote.objects.filter(pk__in=moved["notes"]).update(contact=target)
    LinkSuggestion.objects.filter(pk__in=moved["suggestions"]).update(contact=target)
    LinkSuggestion.objects.filter(pk__in=moved["suggestions_other"]).update(other=target)
    LinkSuggestion.objects.filter(pk__in=moved["settled"]).update(
        status=SuggestionStatus.CONFIRMED, decided_by=actor if _user(actor) else None, decided_at=now())
    before = {"source": snapshot(source), "target": snapshot(target)}
    _combine(source, target, placeholder=_is_placeholder(target))
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    target.save(update_fields=[*FIELDS, "updated_at"])
    merge_record = MergeRecord.objects.create(
        source=source, target=target, actor=actor if _user(actor) else None, reason=reason[:40],
        moved=moved, before=before, after={"target": snapshot(target)})
    audit(actor, "contact.merged", "contact", target.pk, source=source.pk, merge=merge_record.pk,
          reason=reason, identities=len(moved["identities"]), conversations=len(moved["conversations"]),
          notes=len(moved["notes"]))
    emit(names.CONTACT_MERGED, source_id=source.pk, target_id=target.pk, merge_id=merge_record.pk)
    return merge_record


def _user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _is_placeholder(contact: Contact) -> bool:
    """A name that is only a handle (an auto-created contact's default) may be replaced."""
    if not contact.name:
        return True
    handles = {v for i in contact.identities.all() for v in (i.handle, i.username) if v}
    return contact.name in handles


def _combine(source: Contact, target: Contact, *, placeholder: bool) -> None:
    target.attributes = {**source.attributes, **target.attributes}
    target.followers_count = max(source.followers_count, target.followers_count)
    target.verified = source.verified or target.verified
    if placeholder and source.name and not _source_name_is_handle(source, target):
        target.name = source.name


def _source_name_is_handle(source: Contact, target: Contact) -> bool:
    # The source's identities have just moved to the target, so look there.
    return source.name in {v for i in target.identities.all() for v in (i.handle, i.username) if v}


def unmerge(actor, source: Contact) -> MergeRecord:
    """Undo the latest merge of `source`. Call inside a transaction; the caller checked the gates."""
    merge_record = (MergeRecord.objects.select_for_update()
                    .filter(source=source, unmerged_at__isnull=True).order_by("-pk").first())
    if merge_record is None:
        raise ValidationError("this contact is not merged into another")
    if merge_record.erased:
        raise Conflict("the merged contact was erased; the merge cannot be undone")
    locked = _lock(merge_record.source_id, merge_record.target_id)
    source, target = locked[merge_record.source_id], locked[merge_record.target_id]
    if target.merged_into_id:
        raise Conflict(f"contact #{target.pk} was merged into #{target.merged_into_id} since: "
                       "undo that merge first")
    moved = merge_record.moved
    source_identities = moved["identities"]
    target.identities.filter(pk__in=source_identities).update(contact=source)
    back = set(moved["conversations"]) | _later_conversations(target, moved)
    Conversation.objects.filter(pk__in=back, contact=target).update(contact=source)
    ContactNote.objects.filter(pk__in=moved["notes"], contact=target).update(contact=source)
    LinkSuggestion.objects.filter(pk__in=moved["suggestions"], contact=target).update(contact=source)
    LinkSuggestion.objects.filter(pk__in=moved["suggestions_other"], other=target).update(other=source)
    _restore_target(target, merge_record.before["target"], merge_record.after["target"])
    for field, value in merge_record.before["source"].items():
        setattr(source, field, value)
    source.merged_into = None
    source.save(update_fields=[*FIELDS, "merged_into", "updated_at"])
    merge_record.unmerged_at, merge_record.unmerged_by = now(), actor if _user(actor) else None
    merge_record.save(update_fields=["unmerged_at", "unmerged_by"])
    audit(actor, "contact.unmerged", "contact", source.pk, target=target.pk, merge=merge_record.pk,
          identities=len(source_identities), conversations=len(back))
    emit(names.CONTACT_UNMERGED, source_id=source.pk, target_id=target.pk, merge_id=merge_record.pk)
    return merge_record


def _later_conversations(target: Contact, moved: dict) -> set[int]:
    """Conversations opened since the merge whose customer messages all came from the source's handles."""
    identities = set(moved["identities"])
    later = Conversation.objects.filter(contact=target, pk__gt=moved.get("conversation_high_water", 0))
    authors: dict[int, set] = {}
    rows = (Message.objects.filter(conversation__in=later, direction="in")
            .values_list("conversation_id", "author_identity_id").distinct())
    for conversation_id, identity_id in rows:
        authors.setdefault(conversation_id, set()).add(identity_id)
    return {cid for cid, ids in authors.items() if ids and ids <= identities}


def _restore_target(target: Contact, before: dict, after: dict) -> None:
    """Put back what the merge changed, but keep what someone changed on the target since."""
    for field in ("name", "followers_count", "verified"):
        if getattr(target, field) == after[field]:
            setattr(target, field, before[field])
    attributes = dict(target.attributes)
    for key in set(before["attributes"]) | set(after["attributes"]):
        if attributes.get(key) != after["attributes"].get(key):
            continue  # edited since the merge: the edit wins
        if key in before["attributes"]:
            attributes[key] = before["attributes"][key]
        else:
            attributes.pop(key, None)
    target.attributes = attributes
    target.save(update_fields=[*FIELDS, "updated_at"])
