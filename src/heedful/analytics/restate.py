"""Keep the customer-history facts true when conversations change customer.

A merge, an unmerge or an unlinked identity moves conversations between contacts, and three
recorded facts depend on who the customer is: the bypass flag (another channel within 7 days),
the lost first-contact resolution (`recontact`) and the repeat/failure-demand figures of each
`opened` event. `restate(contact_ids)` recomputes all three for these customers' conversations,
takes back what is no longer true (`rollups.withdraw`, so the reports and a rebuild agree) and
records what has become true. Rare (an agent's click), so it may read a customer's whole history.
"""

from __future__ import annotations

from django.db import transaction

from heedful.analytics import bypass, history, recorder, rollups
from heedful.analytics.models import Bypass, Kind, ReportingEvent
from heedful.conversations.models import Conversation

LIMIT = 2000  # newest conversations per restatement: an agent's click must stay quick


def restate(contact_ids) -> None:
    contact_ids = sorted({int(c) for c in contact_ids if c})
    if not contact_ids:
        return
    recorder.flush()  # what is still buffered is recorded before it is compared
    rollups.fold()  # withdrawn events must be folded so their counts can be subtracted
    bypass.undo_for(contact_ids)
    convs = list(Conversation.objects.filter(contact_id__in=contact_ids).order_by("-created_at")
                 .values(*recorder.CONVERSATION_FIELDS)[:LIMIT])
    ids = [c["pk"] for c in convs]
    _rehome_bypasses(convs)
    stale = _stale_recontacts(contact_ids, ids) + _stale_openings(convs)
    if stale:
        rollups.withdraw(stale)
    fresh: list[ReportingEvent] = []
    for contact_id in contact_ids:
        fresh += bypass.for_contact(contact_id) + history.recontacts_for_contact(contact_id)
    recorded = set(ReportingEvent.objects.filter(kind=Kind.OPENED, ref__in=ids).values_list("ref", flat=True))
    missing = [c for c in convs if c["pk"] not in recorded]
    fresh += recorder._opened_events(missing, history.previous_conversations(missing), recorder._labels(ids))
    with transaction.atomic():
        ReportingEvent.objects.bulk_create(fresh, ignore_conflicts=True)
    rollups.fold()


def _rehome_bypasses(convs: list[dict]) -> None:
    """A bypass that stays true keeps counting the customer who owns it now."""
    by_contact: dict[int, list[int]] = {}
    for c in convs:
        by_contact.setdefault(c["contact_id"], []).append(c["pk"])
    for contact_id, ids in by_contact.items():
        Bypass.objects.filter(conversation_id__in=ids).exclude(contact_id=contact_id).update(contact_id=contact_id)


def _stale_recontacts(contact_ids: list[int], conv_ids: list[int]) -> list[ReportingEvent]:
    """Lost-FCR facts no longer backed by the same customer coming back (a reopen always is)."""
    held = {e.ref for cid in contact_ids for e in history.recontacts_for_contact(cid)}
    reopened = set(ReportingEvent.objects.filter(kind=Kind.REOPENED, ref__in=conv_ids).values_list("ref", flat=True))
    return [e for e in ReportingEvent.objects.filter(kind=Kind.RECONTACT, ref__in=conv_ids)
            if e.ref not in held and e.ref not in reopened]


def _stale_openings(convs: list[dict]) -> list[ReportingEvent]:
    """`opened` events whose gap to the customer's previous conversation (repeat contact) or
    failure-demand mark changed; they are withdrawn and recorded again."""
    wanted = {e.ref: e for e in recorder._opened_events(convs, history.previous_conversations(convs), {})}
    stale = []
    for e in ReportingEvent.objects.filter(kind=Kind.OPENED, ref__in=list(wanted)):
        new = wanted[e.ref]
        if e.detail != new.detail or _differs(e.value, new.value):
            stale.append(e)
    return stale


def _differs(a, b) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > 0.5
