"""Send a survey after a resolution, on the conversation's own channel, and record answers.

Never in public: a public conversation gets its survey by the provider's private route (a
Twitter DM, a private reply to a comment) or not at all. A channel that refuses the message
(WhatsApp outside its 24-hour window) records the survey as not sent, with the reason. At most
one survey per customer per 7 days, across every channel.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from heedful.channels import registry
from heedful.conversations.models import Conversation, Direction, Status
from heedful.core.clock import now
from heedful.core.errors import ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit
from heedful.feedback.models import Survey, SurveyStatus, Why
from heedful.outbound import replies

QUIET_DAYS = 7
TEXTS = {
    "en": "Thanks for getting in touch. Two quick questions about how we did: {link}",
    "es": "Gracias por contactarnos. Dos preguntas rápidas sobre nuestra atención: {link}",
    "fr": "Merci de nous avoir contactés. Deux questions rapides sur notre réponse : {link}",
    "de": "Danke für Ihre Nachricht. Zwei kurze Fragen zu unserer Antwort: {link}",
}


def survey_url(token: str) -> str:
    return f"{settings.HEEDFUL_BASE_URL.rstrip('/')}/s/{token}"


def on_conversation_resolved(name: str, payload: dict) -> None:
    conversation = (Conversation.objects.select_related("channel")
                    .filter(pk=payload.get("conversation_id"), status=Status.RESOLVED).first())
    if conversation is not None:
        send_survey(conversation)


def _language(conversation: Conversation) -> str:
    last = (conversation.messages.filter(direction=Direction.IN).exclude(language="")
            .order_by("-sent_at").values_list("language", flat=True).first())
    return last if last in TEXTS else "en"


def send_survey(conversation: Conversation) -> Survey | None:
    """Send (or record as not sent) the survey for a resolved conversation. Call outside a
    transaction (after the resolution committed). None: no survey is due."""
    if Survey.objects.filter(conversation=conversation).exists():
        return None
    recent = now() - timedelta(days=QUIET_DAYS)
    if Survey.objects.filter(contact_id=conversation.contact_id, created_at__gte=recent,
                             status__in=[SurveyStatus.SENT, SurveyStatus.ANSWERED]).exists():
        return None
    provider = registry.get(conversation.channel.provider)
    language = _language(conversation)
    survey = Survey(conversation=conversation, contact_id=conversation.contact_id, provider=provider.key,
                    token=secrets.token_urlsafe(32), status=SurveyStatus.SENT, language=language, created_at=now())
    private = conversation.public
    if private and not provider.can_go_private:
        return _not_sent(survey, f"{provider.key} has no private route for a public conversation")
    text = TEXTS[language].format(link=survey_url(survey.token))
    try:
        with transaction.atomic():
            message = replies.reply(None, conversation, text, private=private, automated=True)
            survey.message_id = message.pk
            survey.save()
            emit(names.SURVEY_SENT, survey_id=survey.pk, conversation_id=conversation.pk)
    except ValidationError as exc:  # the channel refuses it now (a closed window)
        return _not_sent(survey, str(exc))
    return survey


def _not_sent(survey: Survey, reason: str) -> Survey:
    survey.status, survey.reason = SurveyStatus.NOT_SENT, reason[:300]
    survey.token = secrets.token_urlsafe(32)  # a link never sent must not be usable
    survey.save()
    return survey


def find(token: str) -> Survey | None:
    """The survey behind a link, if it was sent. The token is the credential: a full match."""
    if not token or len(token) > 64:
        return None
    return Survey.objects.filter(token=token).exclude(status=SurveyStatus.NOT_SENT).first()


def answer(survey: Survey, *, csat, why: str, why_text: str = "") -> Survey:
    """Record the customer's answers (once). Raises ValidationError for a wrong value."""
    if survey.answered_at:
        raise ValidationError("this survey was already answered")
    try:
        score = int(csat)
    except (TypeError, ValueError):
        raise ValidationError("csat must be a whole number from 1 to 5") from None
    if not 1 <= score <= 5:
        raise ValidationError("csat must be a whole number from 1 to 5")
    if why not in Why.values:
        raise ValidationError("choose one of the reasons")
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at:
            raise ValidationError("this survey was already answered")
        locked.csat, locked.why = score, why
        locked.why_text = (why_text or "").strip()[:500]
        locked.status, locked.answered_at = SurveyStatus.ANSWERED, now()
        locked.save(update_fields=["csat", "why", "why_text", "status", "answered_at"])
        emit(names.SURVEY_ANSWERED, survey_id=locked.pk, conversation_id=locked.conversation_id)
    return locked


def answers_for_contact(contact_id: int, limit: int = 20) -> list[Survey]:
    return list(Survey.objects.filter(contact_id=contact_id, answered_at__isnull=False)
                .select_related("conversation__channel").order_by("-answered_at")[:limit])


def on_contact_erased(name: str, payload: dict) -> None:
    """Erasure: the customer's own words go, and no survey link of theirs opens any more. The
    scores stay, anonymous, in the reports."""
    for survey in Survey.objects.filter(contact_id=payload.get("contact_id")):
        survey.why_text, survey.token = "", secrets.token_urlsafe(32)
        survey.status = SurveyStatus.NOT_SENT if not survey.answered_at else survey.status
        survey.save(update_fields=["why_text", "token", "status"])
