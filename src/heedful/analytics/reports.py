"""Resolution-first reports, read from the rollups (never from message or conversation rows).

Every report takes `Filters` (period, channel, team, label, and the reader's team scope) and
returns flat rows, JSON and CSV friendly. Channels in rows are provider names. Definitions:
- fcr_rate: of the conversations resolved (first time) in the period, the share whose customer
  did not contact again on any channel within 7 days, nor reopened them;
- one_touch_rate: of the resolved, the share resolved with fewer than 2 agent replies;
- reopen_rate: reopened (first time) / resolved; contacts_per_resolution: customer messages of
  the resolved conversations per resolution;
- repeat contact (72 h / 7 d / 30 d): a conversation whose customer opened another one, on any
  channel, within that time before;
- failure demand: a conversation opened while the customer still had one open or active in the
  7 days before (chasing or repeating); value demand is every other one;
- channel bypass: a conversation on channel B whose customer had one on channel A active within
  7 days (see `bypass`);
- first_response_median_seconds: the lower median, to the bucket of the histogram (`rollups.bucket`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum

from heedful.analytics.models import (
    COUNTERS,
    Bypass,
    Kind,
    ReportingEvent,
    ResponseTimeRollup,
    Rollup,
)
from heedful.analytics.rollups import ALL_AGENTS
from heedful.feedback.models import Why


@dataclass(frozen=True)
class Filters:
    since: datetime
    until: datetime
    channel: str = ""  # a provider name, or a channel id
    team: int | None = None
    label: str = ""
    teams: tuple[int, ...] | None = None  # the reader's scope: None = every team


def _dims(f: Filters, *, day="day", provider="provider", channel_id="channel_id", team="team_id") -> Q:
    q = Q()
    if day == "day":
        q &= Q(day__gte=f.since.date(), day__lte=f.until.date())
    else:
        q &= Q(**{f"{day}__gte": f.since, f"{day}__lt": f.until})
    if f.channel:
        q &= Q(**{channel_id: int(f.channel)}) if f.channel.isdigit() else Q(**{provider: f.channel})
    if f.team is not None:
        q &= Q(**{team: f.team})
    if f.teams is not None:
        q &= Q(**{f"{team}__in": list(f.teams)})
    return q


def _rollups(f: Filters, model=Rollup):
    return model.objects.filter(_dims(f), label=f.label)


def _sums(f: Filters, by: tuple[str, ...]) -> list[dict]:
    agents = Q(agent_id__gte=0) if "agent_id" in by else Q(agent_id=ALL_AGENTS)
    return list(_rollups(f).filter(agents).values(*by).annotate(**{c: Sum(c) for c in COUNTERS}).order_by(*by))


def _ratio(a, b, digits: int = 4) -> float | None:
    return round(a / b, digits) if b else None


def _medians(f: Filters, by: str) -> dict:
    """Lower median of the first-response histogram per `by` value (bucket lower bounds)."""
    counts: dict = defaultdict(list)
    rows = (_rollups(f, ResponseTimeRollup).values(by, "bucket").annotate(n=Sum("count")).order_by(by, "bucket"))
    for r in rows:
        counts[r[by]].append((r["bucket"], r["n"]))
    out = {}
    for key, buckets in counts.items():
        total = sum(n for _, n in buckets)
        target, seen = (total - 1) // 2, 0
        for b, n in buckets:
            seen += n
            if seen > target:
                out[key] = b
                break
    return out


def resolution(f: Filters) -> list[dict]:
    medians = _medians(f, "provider")
    out = []
    for r in _sums(f, ("provider",)):
        done = r["resolved"]
        out.append({
            "channel": r["provider"], "conversations": r["opened"], "resolved": done,
            "fcr_rate": _ratio(done - r["not_fcr"], done), "one_touch_rate": _ratio(r["one_touch"], done),
            "reopen_rate": _ratio(r["reopened"], done),
            "contacts_per_resolution": _ratio(r["resolved_contacts"], done),
            "first_response_median_seconds": medians.get(r["provider"]),
            "first_response_mean_seconds": _ratio(r["first_response_seconds"], r["first_responses"], 1),
            "first_responses": r["first_responses"],
            "value_demand": r["opened"] - r["failure_demand"], "failure_demand": r["failure_demand"],
        })
    return out


def repeat_contacts(f: Filters) -> list[dict]:
    return [{"channel": r["provider"], "conversations": r["opened"],
             "repeat_72h": r["repeat_72h"], "repeat_7d": r["repeat_7d"], "repeat_30d": r["repeat_30d"],
             "repeat_rate_72h": _ratio(r["repeat_72h"], r["opened"]),
             "repeat_rate_7d": _ratio(r["repeat_7d"], r["opened"]),
             "repeat_rate_30d": _ratio(r["repeat_30d"], r["opened"])} for r in _sums(f, ("provider",))]


def demand(f: Filters) -> list[dict]:
    return [{"channel": r["provider"], "value_demand": r["opened"] - r["failure_demand"],
             "failure_demand": r["failure_demand"], "failure_share": _ratio(r["failure_demand"], r["opened"])}
            for r in _sums(f, ("provider",))]


def volume(f: Filters) -> list[dict]:
    return [{"day": r["day"].isoformat(), "channel": r["provider"], "conversations": r["opened"],
             "messages_in": r["messages_in"], "messages_out": r["messages_out"], "resolved": r["resolved"]}
            for r in _sums(f, ("day", "provider"))]


def trend(f: Filters) -> list[dict]:
    return [{"day": r["day"].isoformat(), "conversations": r["opened"], "resolved": r["resolved"],
             "fcr_rate": _ratio(r["resolved"] - r["not_fcr"], r["resolved"]),
             "repeat_rate_7d": _ratio(r["repeat_7d"], r["opened"])} for r in _sums(f, ("day",))]


def sentiment(f: Filters) -> list[dict]:
    rows = []
    for r in _sums(f, ("provider",)):
        n = r["sentiment_n"]
        start, end = _ratio(r["sentiment_start_sum"], n), _ratio(r["sentiment_end_sum"], n)
        rows.append({"channel": r["provider"], "conversations": n, "start_mean": start, "end_mean": end,
                     "change": round(end - start, 4) if n else None})
    return rows


def agents(f: Filters) -> list[dict]:
    rows = [r for r in _sums(f, ("agent_id",)) if r["agent_id"]]
    names = dict(get_user_model().objects.filter(pk__in=[r["agent_id"] for r in rows]).values_list("pk", "username"))
    return [{"agent": names.get(r["agent_id"], f"#{r['agent_id']}"), "messages_out": r["messages_out"],
             "first_responses": r["first_responses"], "resolved": r["resolved"],
             "fcr_rate": _ratio(r["resolved"] - r["not_fcr"], r["resolved"])} for r in rows]


def channel_bypass(f: Filters) -> list[dict]:
    qs = Bypass.objects.filter(_dims(f, day="at", provider="to_channel"))
    rows = (qs.values("from_channel", "to_channel")
            .annotate(customers=Count("contact_id", distinct=True), conversations=Count("id"))
            .order_by("from_channel", "to_channel"))
    return [{"from_channel": r["from_channel"], "to_channel": r["to_channel"], "customers": r["customers"],
             "conversations": r["conversations"]} for r in rows]


def bypass_examples(f: Filters, limit: int = 10) -> list[dict]:
    """The newest bypass conversations behind the flows, to open one from the dashboard."""
    rows = (Bypass.objects.filter(_dims(f, day="at", provider="to_channel")).order_by("-at")
            .values("conversation_id", "from_conversation_id", "from_channel", "to_channel", "at")[:limit])
    return list(rows)


def _events(f: Filters, kind: str):
    return ReportingEvent.objects.filter(_dims(f, day="at"), kind=kind)


def why_channel(f: Filters) -> list[dict]:
    rows = []
    for r in _sums(f, ("provider",)):
        answers = sorted(((r[f"why_{w}"], w) for w in Why.values if r[f"why_{w}"]), key=lambda a: (-a[0], a[1]))
        rows.extend({"channel": r["provider"], "why": w, "answers": n} for n, w in answers)
    return rows


def csat(f: Filters) -> list[dict]:
    out = []
    for r in _sums(f, ("provider",)):
        dist = {str(k): r[f"csat_{k}"] for k in range(1, 6)}
        n = sum(dist.values())
        if n:
            out.append({"channel": r["provider"], "answers": n, "mean": _ratio(r["csat_sum"], n, 2),
                        "distribution": dist})
    return out


def deflection(f: Filters) -> list[dict]:
    """Deflections recorded as reporting events, else read from the knowledge app's own table
    when it has one (`knowledge.Deflection` with `created_at`); no source: no rows."""
    rows = (_events(f, Kind.DEFLECTED).values("provider", "detail").annotate(deflections=Count("id"))
            .order_by("provider", "detail"))
    out = [{"channel": r["provider"], "source": r["detail"], "deflections": r["deflections"]} for r in rows]
    if out or not apps.is_installed("heedful.knowledge"):
        return out
    try:
        model = apps.get_model("knowledge", "Deflection")
    except LookupError:
        return out
    n = model.objects.filter(created_at__gte=f.since, created_at__lt=f.until).count()
    return [{"channel": "", "source": "knowledge", "deflections": n}] if n else []


def register(name: str, rows) -> None:
    """Add a report computed outside analytics: `rows(filters) -> list[dict]`. An edge that
    reads another app (the forum's figures, from `community_desk`) plugs in here at start-up,
    so analytics imports none of them."""
    REPORTS[name] = rows


REPORTS = {
    "resolution": resolution,
    "repeat-contacts": repeat_contacts,
    "channel-bypass": channel_bypass,
    "why-channel": why_channel,
    "csat": csat,
    "sentiment": sentiment,
    "deflection": deflection,
    "demand": demand,
    "volume": volume,
    "trend": trend,
    "agents": agents,
}
