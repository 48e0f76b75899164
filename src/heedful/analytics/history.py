"""What a customer did before and after: previous conversations, and contacts that came back
after a resolution (first-contact resolution lost). Every function here takes a whole batch and
runs a fixed number of queries for it."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count

from heedful.analytics.models import Kind, ReportingEvent
from heedful.conversations.models import Conversation, Direction, Message

WINDOW_DAYS = 7  # FCR and bypass window
LOOKBACK_DAYS = 30  # the longest repeat-contact window


def previous_conversations(convs: list[dict]) -> dict[int, list[dict]]:
    """conversation id -> the same customer's earlier conversations (any channel) of the last
    30 days, oldest first."""
    if not convs:
        return {}
    contacts = {c["contact_id"] for c in convs}
    lo = min(c["created_at"] for c in convs) - timedelta(days=LOOKBACK_DAYS)
    hi = max(c["created_at"] for c in convs)
    rows = list(Conversation.objects.filter(contact_id__in=contacts, created_at__gte=lo, created_at__lte=hi)
                .values("pk", "contact_id", "created_at", "last_activity_at", "channel_id", "channel__provider",
                        "status").order_by("created_at", "pk"))
    by_contact: dict[int, list[dict]] = {}
    for row in rows:
        by_contact.setdefault(row["contact_id"], []).append(row)
    out = {}
    for conv in convs:
        key = (conv["created_at"], conv["pk"])
        out[conv["pk"]] = [r for r in by_contact.get(conv["contact_id"], ()) if (r["created_at"], r["pk"]) < key
                           and r["created_at"] >= conv["created_at"] - timedelta(days=LOOKBACK_DAYS)]
    return out


def customer_messages(conv_ids: list[int]) -> dict[int, int]:
    """conversation id -> how many messages the customer wrote (auto-replies aside)."""
    rows = (Message.objects.filter(conversation_id__in=conv_ids, direction=Direction.IN, automated=False)
            .values("conversation_id").annotate(n=Count("id")).values_list("conversation_id", "n"))
    return dict(rows)


def sentiment_ends(conv_ids: list[int]) -> dict[int, tuple[float, float]]:
    """conversation id -> (sentiment of the customer's first message, of their last)."""
    out: dict[int, list[float]] = {}
    rows = (Message.objects.filter(conversation_id__in=conv_ids, direction=Direction.IN, automated=False,
                                   sentiment__isnull=False)
            .order_by("conversation_id", "sent_at", "id").values_list("conversation_id", "sentiment"))
    for cid, score in rows:
        pair = out.setdefault(cid, [score, score])
        pair[1] = score
    return {cid: (a, b) for cid, (a, b) in out.items()}


def _recontact(resolved: ReportingEvent) -> ReportingEvent:
    """Counted on the resolution's own rollup row: that resolution was not first-contact."""
    return ReportingEvent(
        kind=Kind.RECONTACT, ref=resolved.ref, at=resolved.at, conversation_id=resolved.conversation_id,
        contact_id=resolved.contact_id, channel_id=resolved.channel_id, provider=resolved.provider,
        team_id=resolved.team_id, agent_id=resolved.agent_id, labels=resolved.labels)


def recontacts(inbound: list[dict], convs: dict[int, dict], *, reopened=()) -> list[ReportingEvent]:
    """Recontact events for resolutions followed, within 7 days, by a customer message on any
    channel (`inbound`: message rows with conversation_id and sent_at), or reopened."""
    window = timedelta(days=WINDOW_DAYS)
    out = [_recontact(r) for r in ReportingEvent.objects.filter(kind=Kind.RESOLVED, ref__in=list(reopened))]
    times: dict[int, list] = {}
    for m in inbound:
        conv = convs.get(m["conversation_id"])
        if conv:
            times.setdefault(conv["contact_id"], []).append(m["sent_at"])
    if not times:
        return out
    lo = min(min(v) for v in times.values()) - window
    hi = max(max(v) for v in times.values())
    theirs = Conversation.objects.filter(contact_id__in=list(times)).values("pk")
    resolutions = list(ReportingEvent.objects.filter(kind=Kind.RESOLVED, ref__in=theirs, at__gte=lo, at__lt=hi))
    owner = dict(Conversation.objects.filter(pk__in=[r.ref for r in resolutions]).values_list("pk", "contact_id"))
    for r in resolutions:
        if any(r.at < t <= r.at + window for t in times.get(owner.get(r.ref), ())):
            out.append(_recontact(r))
    return out


def recontacts_for_contact(contact_id: int) -> list[ReportingEvent]:
    """After a merge: every resolution of this customer followed by a contact within 7 days."""
    convs = {c["pk"]: c for c in Conversation.objects.filter(contact_id=contact_id).values("pk", "contact_id")}
    inbound = list(Message.objects.filter(conversation_id__in=list(convs), direction=Direction.IN, automated=False)
                   .order_by("-sent_at").values("conversation_id", "sent_at")[:5000])
    return recontacts(inbound, convs)
