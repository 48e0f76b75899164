"""Send a survey after a resolution, on the conversation's own channel, and record answers.

Never in public: a public conversation gets its survey by the provider's private route (a
Twitter DM, a private reply to a comment) or not at all. A channel that takes only approved
templates now (WhatsApp outside its 24-hour window) gets the channel's `survey_template`; without
one, or when the channel refuses it, the survey is recorded as not sent, with the reason. At most
one survey per customer per 7 days, across every channel. The language is the customer's
(`_language`), the wording `feedback.wording`'s.
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
from heedful.feedback import survey_template, wording
from heedful.feedback.models import Survey, SurveyStatus, Why
from heedful.outbound import replies, template_replies

QUIET_DAYS = 7
# A contact attribute a brand may set from its own records (takes precedence over detection).
LANGUAGE_ATTRIBUTES = ("language", "locale")
# The one sentence per failed check of an answer; the page shows it in the customer's language.
INVALID = {"csat": "csat must be a whole number from 1 to 5", "why": "choose one of the reasons",
           "answered": "this survey was already answered"}


def survey_url(token: str) -> str:
    return f"{settings.HEEDFUL_BASE_URL.rstrip('/')}/s/{token}"


def on_conversation_resolved(name: str, payload: dict) -> None:
    conversation = (Conversation.objects.select_related("channel")
                    .filter(pk=payload.get("conversation_id"), status=Status.RESOLVED).first())
    if conversation is not None:
        send_survey(conversation)


def _language(conversation: Conversation) -> str:
    """The customer's language: the one the brand recorded on the contact, else the one routing
    detected in this conversation's messages, else the language of their latest message."""
    attributes = conversation.contact.attributes or {}
    detected = Conversation.objects.filter(pk=conversation.pk).values_list("routing__language", flat=True).first()
    last = (conversation.messages.filter(direction=Direction.IN).exclude(language="")
            .order_by("-sent_at").values_list("language", flat=True).first())
    for code in [*(attributes.get(k) for k in LANGUAGE_ATTRIBUTES), detected, last]:
        found = wording.supported(str(code or ""))
        if found:
            return found
    return wording.DEFAULT


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
    text = wording.texts(language)["message"].format(link=survey_url(survey.token))
    try:
        with transaction.atomic():
            message = replies.reply(None, conversation, text, private=private, automated=True)
            _sent(survey, message)
    except ValidationError as exc:  # the channel refuses it now (a closed window)
        if provider.needs_template(conversation.channel, replies.reply_payload(conversation, private=private)):
            return _by_template(survey, conversation, str(exc))
        return _not_sent(survey, str(exc))
    return survey


def _sent(survey: Survey, message) -> None:
    survey.message_id = message.pk
    survey.save()
    emit(names.SURVEY_SENT, survey_id=survey.pk, conversation_id=survey.conversation_id)


def _by_template(survey: Survey, conversation: Conversation, refused: str) -> Survey:
    """Only an approved template may go now: the channel's `survey_template`, or not sent."""
    wanted = survey_template.configured(conversation.channel)
    if wanted is None:
        return _not_sent(survey, f"{refused.rstrip('.')}; no survey_template is set on this channel")
    try:
        template = survey_template.build(conversation.channel, wanted, survey.language, survey_url(survey.token))
        with transaction.atomic():  # the templates were read above: no network call in here
            _sent(survey, template_replies.send_template(None, conversation, template, automated=True))
    except ValidationError as exc:
        return _not_sent(survey, f"the survey template could not be sent: {exc}")
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


def invalid_answer(survey: Survey, csat, why: str) -> str:
    """Which check an answer fails ("answered", "csat", "why"), or ""."""
    if survey.answered_at:
        return "answered"
    if not str(csat or "").strip().isdigit() or not 1 <= int(str(csat).strip()) <= 5:
        return "csat"
    return "" if why in Why.values else "why"


def answer(survey: Survey, *, csat, why: str, why_text: str = "") -> Survey:
    """Record the customer's answers (once). Raises ValidationError for a wrong value."""
    problem = invalid_answer(survey, csat, why)
    if problem:
        raise ValidationError(INVALID[problem])
    score = int(str(csat).strip())
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at:
            raise ValidationError(INVALID["answered"])
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
