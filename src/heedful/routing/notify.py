"""Supervisors hear about SLA near breaches, breaches and virality spikes as live notices (ids
and a short reason, never customer text), and as events for automation rules."""

from __future__ import annotations

from heedful.accounts.models import Profile, Role
from heedful.events import names
from heedful.events.dispatcher import dispatch
from heedful.realtime import topics
from heedful.realtime.broker import publish

EVENTS = {"sla_near_breach": names.SLA_NEAR_BREACH, "sla_breached": names.SLA_BREACHED,
          "virality": names.VIRALITY_ALERT}


def supervisor_ids() -> list[int]:
    return list(Profile.objects.filter(role__in=[Role.SUPERVISOR, Role.ADMIN], user__is_active=True)
                .values_list("user_id", flat=True))


def supervisors(alerts: list[tuple]) -> None:
    """Called after commit with (kind, conversation id, channel id, detail) per new alert."""
    people = supervisor_ids()
    for kind, conversation_id, channel_id, detail in alerts:
        notice = {"type": "alert", "kind": kind, "conversation": conversation_id, "channel": channel_id,
                  "detail": detail}
        for user_id in people:
            publish(topics.user(user_id), notice)
        if conversation_id and kind in EVENTS:
            dispatch(EVENTS[kind], {"conversation_id": conversation_id, "detail": detail})
