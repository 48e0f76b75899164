"""Domain events -> reporting events. Registered on the events dispatcher in `ready()`.

The hot ones (message and conversation events) only buffer ids (`recorder`); merges, survey
answers and deflections are rare and recorded at once.
"""

from __future__ import annotations

from heedful.analytics import recorder, restate, rollups
from heedful.analytics.models import Kind, ReportingEvent
from heedful.conversations.models import Conversation
from heedful.events import names
from heedful.events.dispatcher import listen


def on_contact_merged(name: str, payload: dict) -> None:
    """Two contacts are one customer now: bypasses, lost FCRs and repeat contacts across their
    conversations."""
    restate.restate([payload.get("source_id"), payload.get("target_id")])


def on_contact_split(name: str, payload: dict) -> None:
    """An undone merge or an unlinked identity: what held only because the two were one customer
    is taken back, and each customer's own history is read again."""
    restate.restate([payload.get("source_id"), payload.get("target_id")])


def on_survey_answered(name: str, payload: dict) -> None:
    from heedful.feedback.models import Survey

    survey = Survey.objects.filter(pk=payload.get("survey_id"), answered_at__isnull=False).first()
    if survey is None:
        return
    conv = (Conversation.objects.filter(pk=survey.conversation_id)
            .values(*recorder.CONVERSATION_FIELDS).first())
    if conv is None:
        return
    row = recorder.event(Kind.SURVEY_ANSWERED, survey.pk, conv, survey.answered_at, {},
                         value=survey.csat, detail=survey.why or "")
    ReportingEvent.objects.bulk_create([row], ignore_conflicts=True)
    rollups.fold()


def on_deflection(name: str, payload: dict) -> None:
    """Self-service answered a question no agent had to (`payload`: deflection_id, at,
    provider, channel_id). Recorded by whichever app serves self-service."""
    ref, at = payload.get("deflection_id"), payload.get("at")
    if not ref or not at:
        return
    ReportingEvent.objects.bulk_create([ReportingEvent(
        kind=Kind.DEFLECTED, ref=int(ref), at=at, provider=str(payload.get("provider") or "")[:40],
        channel_id=int(payload.get("channel_id") or 0), detail=str(payload.get("source") or "")[:60],
    )], ignore_conflicts=True)
    rollups.fold()


def register() -> None:
    listen(names.MESSAGE_CREATED)(recorder.on_message_created)
    listen(names.CONVERSATION_CREATED)(recorder.on_conversation_created)
    listen(names.CONVERSATION_RESOLVED)(recorder.on_conversation_resolved)
    listen(names.CONVERSATION_REOPENED)(recorder.on_conversation_reopened)
    listen(names.CONTACT_MERGED)(on_contact_merged)
    listen(names.CONTACT_UNMERGED)(on_contact_split)
    listen(names.CONTACT_UNLINKED)(on_contact_split)
    listen(names.SURVEY_ANSWERED)(on_survey_answered)
    listen(names.DEFLECTION_RECORDED)(on_deflection)
