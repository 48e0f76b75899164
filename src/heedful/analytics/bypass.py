"""Channel bypass, live: a customer with a conversation on channel A who contacts on channel B
within 7 days of A's last activity (before or after A was resolved) is a bypass A -> B.

Flagged when B's conversation is recorded, and again for the whole customer after two contacts
are merged, so a bypass stays true once the agent learns the tweet and the email are one person.
"""

from __future__ import annotations

from datetime import timedelta

from heedful.analytics.history import WINDOW_DAYS, previous_conversations
from heedful.analytics.models import Bypass, Kind, ReportingEvent
from heedful.conversations.models import Conversation


def _source(conv: dict, prior: list[dict]) -> dict | None:
    since = conv["created_at"] - timedelta(days=WINDOW_DAYS)
    others = [p for p in prior if p["channel__provider"] != conv["channel__provider"] and p["last_activity_at"] >= since]
    return others[-1] if others else None


def detect(convs: list[dict], previous: dict[int, list[dict]] | None = None) -> list[ReportingEvent]:
    """Store a Bypass row for each new conversation that is one; return their reporting events."""
    previous = previous if previous is not None else previous_conversations(convs)
    rows, events = [], []
    for conv in convs:
        source = _source(conv, previous.get(conv["pk"], []))
        if source is None:
            continue
        rows.append(Bypass(conversation_id=conv["pk"], from_conversation_id=source["pk"],
                           from_channel=source["channel__provider"], to_channel=conv["channel__provider"],
                           contact_id=conv["contact_id"], team_id=conv["team_id"] or 0,
                           channel_id=conv["channel_id"], at=conv["created_at"]))
        events.append(ReportingEvent(
            kind=Kind.BYPASS, ref=conv["pk"], at=conv["created_at"], conversation_id=conv["pk"],
            contact_id=conv["contact_id"], channel_id=conv["channel_id"], provider=conv["channel__provider"],
            team_id=conv["team_id"] or 0, agent_id=conv["assignee_id"] or 0, detail=source["channel__provider"][:60]))
    Bypass.objects.bulk_create(rows, ignore_conflicts=True)
    return events


def for_contact(contact_id: int, limit: int = 500) -> list[ReportingEvent]:
    """Re-detect over one customer's newest conversations (after a merge or a link)."""
    fields = ("pk", "channel_id", "channel__provider", "contact_id", "team_id", "assignee_id", "created_at",
              "last_activity_at")
    convs = list(Conversation.objects.filter(contact_id=contact_id).order_by("-created_at").values(*fields)[:limit])
    flagged = set(Bypass.objects.filter(conversation_id__in=[c["pk"] for c in convs]).values_list("conversation_id", flat=True))
    return detect([c for c in convs if c["pk"] not in flagged])


def undo_for(contact_ids) -> int:
    """After an unmerge: bypasses whose two conversations now belong to different customers are
    taken back (the flag, and its count in the reports)."""
    from heedful.analytics import rollups

    convs = Conversation.objects.filter(contact_id__in=list(contact_ids)).values("pk")
    rows = list(Bypass.objects.filter(conversation_id__in=convs))
    owner = dict(Conversation.objects.filter(pk__in={r.conversation_id for r in rows} | {r.from_conversation_id for r in rows})
                 .values_list("pk", "contact_id"))
    wrong = [r for r in rows if owner.get(r.conversation_id) != owner.get(r.from_conversation_id)]
    if wrong:
        rollups.fold()  # every event of these bypasses is folded before it is taken back
        rollups.withdraw(list(ReportingEvent.objects.filter(kind=Kind.BYPASS, ref__in=[r.conversation_id for r in wrong])))
        Bypass.objects.filter(pk__in=[r.pk for r in wrong]).delete()
    return len(wrong)


def of(conversation_id: int) -> dict | None:
    """The conversation's JSON `bypass`: {"from_conversation", "from_channel"} or None."""
    return of_many([conversation_id]).get(conversation_id)


def of_many(conversation_ids) -> dict[int, dict]:
    rows = Bypass.objects.filter(conversation_id__in=list(conversation_ids))
    return {b.conversation_id: {"from_conversation": b.from_conversation_id, "from_channel": b.from_channel}
            for b in rows}


def preload(conversations) -> None:
    """Set `bypass_info` on each conversation with one query (for lists and the inbox)."""
    conversations = list(conversations)
    found = of_many([c.pk for c in conversations])
    for c in conversations:
        c.bypass_info = found.get(c.pk)
