"""Routing's settings with their defaults (config/settings.py reads them from the environment)."""

from __future__ import annotations

from django.conf import settings

# Points each factor adds to a conversation's priority score.
DEFAULT_WEIGHTS = {
    "public": 1.0,  # anyone can read it
    "reach_2k": 1.0, "reach_10k": 2.0, "reach_100k": 3.0,  # follower bands (the highest applies)
    "verified": 1.0,
    "vip_list": 3.0,  # the handle is on HEEDFUL_VIP_HANDLES
    "vip": 3.0,  # the contact's `vip` attribute
    "virality": 1.0,  # per band of engagement an hour: 10+, 100+, 1000+
    "negative": 1.0, "angry": 2.0,  # VADER compound <= -0.05 / <= -0.5
    "repeat_contact": 1.5,  # an earlier conversation in the last HEEDFUL_REPEAT_CONTACT_DAYS
    "bypass": 1.5,  # ... on another channel
    "sla_near_breach": 2.0, "sla_breached": 4.0,
}
DEFAULT_BANDS = {"urgent": 7.0, "high": 4.0}


def weights() -> dict[str, float]:
    return {**DEFAULT_WEIGHTS, **getattr(settings, "HEEDFUL_PRIORITY_WEIGHTS", {})}


def bands() -> dict[str, float]:
    return {**DEFAULT_BANDS, **getattr(settings, "HEEDFUL_PRIORITY_BANDS", {})}


def repeat_days() -> int:
    return int(getattr(settings, "HEEDFUL_REPEAT_CONTACT_DAYS", 7))


def vip_handles() -> frozenset[str]:
    return frozenset(h.strip().lower().lstrip("@") for h in getattr(settings, "HEEDFUL_VIP_HANDLES", ()) if h.strip())


def near_breach_fraction() -> float:
    """Near breach once less than this share of a target is left."""
    return float(getattr(settings, "HEEDFUL_SLA_NEAR_BREACH_FRACTION", 0.2))


def virality_k() -> float:
    return float(getattr(settings, "HEEDFUL_VIRALITY_K", 2.0))


def max_hops() -> int:
    return int(getattr(settings, "HEEDFUL_AUTOMATION_MAX_HOPS", 10))


def chain_seconds() -> float:
    """Rule firings on one conversation closer together than this count as one chain."""
    return float(getattr(settings, "HEEDFUL_AUTOMATION_CHAIN_SECONDS", 120))


def languages() -> tuple[str, ...]:
    return tuple(getattr(settings, "HEEDFUL_LANGUAGES", ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr", "sv")))


def idle_away_seconds() -> float:
    return float(getattr(settings, "HEEDFUL_IDLE_AWAY_SECONDS", 600))
