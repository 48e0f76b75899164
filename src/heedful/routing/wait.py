"""An honest expected wait, for the automatic acknowledgement ("we will get back to you soon"
becomes "about 20 to 45 minutes").

Predicted from the live queue and the recent pace: the conversations of the same team (or
channel, without a team) that still wait for a first answer and came in before this one, the
agents online in that team, and how many first answers the team gave per hour over the last
two hours (its real throughput, which folds in handling time and everything else agents do).
When nobody answered lately the recent median time to a first answer stands in for the pace.
The result is a range, with the figures it was computed from.
"""

from __future__ import annotations

import statistics
from datetime import timedelta

from heedful.accounts.models import Profile
from heedful.conversations.models import Conversation, Status
from heedful.core.clock import now
from heedful.routing.models import AgentState, Presence

PACE_HOURS = 2
MEDIAN_SAMPLE = 50


def _scope(conversation):
    if conversation.team_id:
        return {"team_id": conversation.team_id}
    return {"channel_id": conversation.channel_id}


def estimate(conversation) -> dict:
    """{"low_minutes", "high_minutes", "text", "basis": {...}} for a waiting conversation."""
    at = now()
    scope = _scope(conversation)
    ahead = (Conversation.objects.filter(**scope, status=Status.OPEN, first_response_at__isnull=True,
                                         created_at__lte=conversation.created_at or at)
             .exclude(pk=conversation.pk).count())
    members = (Profile.objects.filter(teams=conversation.team_id).values("user_id") if conversation.team_id
               else Profile.objects.values("user_id"))
    online = AgentState.objects.filter(user_id__in=members, status=Presence.ONLINE).count()
    answered = Conversation.objects.filter(**scope, first_response_at__gte=at - timedelta(hours=PACE_HOURS)).count()
    per_hour = answered / PACE_HOURS
    basis = {"waiting_ahead": ahead, "agents_online": online, "answers_per_hour": round(per_hour, 1)}
    if online == 0:
        return {"low_minutes": None, "high_minutes": None, "basis": basis,
                "text": "nobody is online right now: we answer as soon as the team is back"}
    if per_hour > 0:
        minutes = (ahead + 1) / per_hour * 60
    else:
        recent = list(Conversation.objects.filter(**scope, first_response_at__isnull=False)
                      .order_by("-first_response_at").values_list("created_at", "first_response_at")[:MEDIAN_SAMPLE])
        waits = [(answer - opened).total_seconds() / 60 for opened, answer in recent if answer >= opened]
        minutes = statistics.median(waits) * (ahead + 1) / online if waits else 15.0 * (ahead + 1) / online
        basis["median_first_answer_minutes"] = round(statistics.median(waits), 1) if waits else None
    low, high = max(1, round(minutes * 0.6)), max(2, round(minutes * 1.5))
    return {"low_minutes": low, "high_minutes": high, "basis": basis,
            "text": f"about {_span(low)} to {_span(high)} ({ahead} waiting ahead of you, {online} "
                    f"agent{'s' if online != 1 else ''} online)"}


def _span(minutes: int) -> str:
    return f"{minutes} minutes" if minutes < 120 else f"{round(minutes / 60)} hours"


def fill(text: str, conversation) -> str:
    """A reply's `{expected_wait}` placeholder, filled in."""
    if "{expected_wait}" not in text:
        return text
    return text.replace("{expected_wait}", estimate(conversation)["text"])
