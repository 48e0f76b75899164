"""Resolution-first reports, computed from conversation counters (no scan of message rows).

Every report takes a conversation queryset already scoped by the permission gate and a period,
and returns a list of flat rows (JSON and CSV friendly). Definitions:
- resolution rate: resolved / conversations opened in the period;
- first-contact resolution: resolved with at most one brand reply and never reopened;
- contacts per resolution: customer messages per resolved conversation;
- repeat contact: a conversation whose customer had another one in the 7 days before;
- channel bypass: a public conversation whose customer's previous conversation was a private one
  on another channel in the 7 days before ("tried email, then went public").
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import TruncDate

from heedful.analytics import sequences
from heedful.conversations.models import Status

WINDOW = timedelta(days=7)


def volume(conversations) -> list[dict]:
    rows = (conversations.annotate(day=TruncDate("created_at")).values("day", "channel__provider")
            .annotate(conversations=Count("id"), messages=Sum("messages_count")).order_by("day", "channel__provider"))
    return [{"day": r["day"].isoformat(), "channel": r["channel__provider"], "conversations": r["conversations"],
             "messages": r["messages"] or 0} for r in rows]


def resolution(conversations) -> list[dict]:
    resolved = Q(status=Status.RESOLVED)
    rows = conversations.values("channel__provider").annotate(
        conversations=Count("id"),
        resolved=Count("id", filter=resolved),
        first_contact=Count("id", filter=resolved & Q(replies_count__lte=1, reopened_count=0)),
        reopened=Count("id", filter=Q(reopened_count__gt=0)),
        customer_messages=Sum(F("messages_count") - F("replies_count"), filter=resolved),
        first_response_avg=Avg(F("first_response_at") - F("created_at"), filter=Q(first_response_at__isnull=False)),
    ).order_by("channel__provider")
    out = []
    for r in rows:
        n, done = r["conversations"], r["resolved"]
        avg = r["first_response_avg"]
        out.append({
            "channel": r["channel__provider"], "conversations": n, "resolved": done,
            "resolution_rate": _ratio(done, n), "first_contact_resolution": _ratio(r["first_contact"], done),
            "reopen_rate": _ratio(r["reopened"], n),
            "contacts_per_resolution": _ratio(r["customer_messages"] or 0, done),
            "first_response_avg_seconds": round(avg.total_seconds(), 1) if avg is not None else None,
        })
    return out


def repeat_contacts(conversations, since) -> list[dict]:
    rows = sequences.repeat_counts(conversations, since, WINDOW)
    return [{"channel": p, "conversations": n, "repeat_contacts": int(r or 0), "repeat_rate": _ratio(int(r or 0), n)}
            for p, n, r in rows]


def channel_bypass(conversations, since) -> list[dict]:
    public_total = dict(conversations.filter(created_at__gte=since, public=True)
                        .values_list("channel__provider").annotate(n=Count("id")))
    return [{"from_channel": a, "to_channel": b, "customers": n, "share_of_public": _ratio(n, public_total.get(b, 0))}
            for a, b, n in sequences.bypass_counts(conversations, since, WINDOW)]


def _ratio(a, b) -> float | None:
    return round(a / b, 4) if b else None


REPORTS = {
    "volume": lambda qs, since: volume(qs.filter(created_at__gte=since)),
    "resolution": lambda qs, since: resolution(qs.filter(created_at__gte=since)),
    "repeat-contacts": repeat_contacts,
    "channel-bypass": channel_bypass,
}
