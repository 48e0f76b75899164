"""The priority score and its explanation: each factor with its weight and a reason in words.

Pure functions of a conversation's routing inputs (a small dict kept on its routing state), so
the pipeline's route step, the engagement rescore and the SLA sweep all compute it the same
way. Weights are settings (`HEEDFUL_PRIORITY_WEIGHTS`); so are the bands (`..._BANDS`).
"""

from __future__ import annotations

from datetime import datetime

from heedful.conversations.models import Priority
from heedful.routing import conf

ANGRY, NEGATIVE = -0.5, -0.05
VIRAL_BANDS = (1000, 100, 10)  # engagement per hour: 3, 2 or 1 times the virality weight
ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def compact(n: int) -> str:
    """12_345 -> "12k", 2_400 -> "2.4k", 1_500_000 -> "1.5M"."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= size:
            value = n / size
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return text.removesuffix(".0") + suffix
    return str(n)


def per_hour(engagement: dict, posted_at: datetime | None, at: datetime) -> tuple[float, str]:
    """(engagements an hour, words) for a post's figures at `at`."""
    total = sum(max(0, int(v)) for v in engagement.values())
    if not total:
        return 0.0, ""
    hours = max(1.0, (at - posted_at).total_seconds() / 3600) if posted_at else 1.0
    rate = total / hours
    if hours <= 1.0:
        kinds = sorted(((int(v), k) for k, v in engagement.items() if int(v) > 0), reverse=True)
        return rate, ", ".join(f"{v} {k}" for v, k in kinds[:2]) + " in the last hour"
    return rate, f"about {compact(round(rate))} shares, likes and replies an hour"


def factors(inputs: dict, at: datetime) -> list[dict]:
    """[{"factor", "weight", "detail"}] for everything but the SLA (`sla.reason`). Visibility,
    sentiment and contact history always appear (weight 0 when they add nothing), the other
    factors only when they apply."""
    w = conf.weights()
    reasons = []

    def add(factor, weight, detail, *, always=False):
        if weight or always:
            reasons.append({"factor": factor, "weight": weight, "detail": detail})

    public = inputs.get("public", False)
    followers = int(inputs.get("followers") or 0)
    add("visibility", w["public"] if public else 0.0, "public" if public else "private", always=True)
    if public:
        for limit, key in ((100_000, "reach_100k"), (10_000, "reach_10k"), (2_000, "reach_2k")):
            if followers >= limit:
                add("reach", w[key], f"{compact(followers)} followers")
                break
        if inputs.get("verified"):
            add("verified", w["verified"], "verified account")
        rate, words = per_hour(inputs.get("engagement") or {}, _dt(inputs.get("posted_at")), at)
        for times, limit in zip((3, 2, 1), VIRAL_BANDS, strict=True):
            if rate >= limit:
                add("virality", w["virality"] * times, words)
                break
        if inputs.get("viral_spike"):
            add("virality_spike", w["virality"] * 2, "engagement far above this channel's week")
    if inputs.get("vip_list"):
        add("vip_list", w["vip_list"], "on the VIP list")
    if inputs.get("vip"):
        add("vip", w["vip"], "VIP customer")
    sentiment = inputs.get("sentiment")
    if sentiment is not None and sentiment <= ANGRY:
        add("sentiment", w["angry"], "angry")
    elif sentiment is not None and sentiment <= NEGATIVE:
        add("sentiment", w["negative"], "negative")
    else:
        add("sentiment", 0.0, "positive" if (sentiment or 0) >= -NEGATIVE else "calm", always=True)
    repeat = int(inputs.get("repeat") or 0)
    days = conf.repeat_days()
    span = "this week" if days == 7 else f"in {days} days"
    if repeat:
        add("repeat_contact", w["repeat_contact"], f"{ORDINALS.get(repeat + 1, f'{repeat + 1}th')} contact {span}")
    else:
        add("repeat_contact", 0.0, f"first contact {span}", always=True)
    if inputs.get("bypass_from"):
        add("bypass", w["bypass"], f"tried {inputs['bypass_from']} first")
    return reasons


def sla_weight(level: int) -> float:
    w = conf.weights()
    return {0: 0.0, 1: w["sla_near_breach"], 2: w["sla_breached"]}[level]


def band(score: float) -> int:
    limits = conf.bands()
    if score >= limits["urgent"]:
        return Priority.URGENT
    if score >= limits["high"]:
        return Priority.HIGH
    return Priority.NORMAL


def total(reasons: list[dict]) -> float:
    return round(sum(r["weight"] for r in reasons), 4)


def _dt(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
