"""The satisfaction survey inside the chat: the same survey the resolution sent (its message
carries the `/s/<token>` link), shown as a form in the widget and answered through the same
`feedback.actions.answer`, so the answers land in the same reports as the survey page's.

The visitor's token is the credential here: a survey is found only through a reply the gate
lets this visitor read, never by a token or id the visitor names.
"""

from __future__ import annotations

from heedful.channels.providers.webchat.provider import WebchatProvider
from heedful.core.errors import NotFound
from heedful.feedback import actions, wording
from heedful.feedback.models import Survey, Why
from heedful.widget import gate
from heedful.widget.tokens import Visitor

FORM_TEXTS = ("title", "csat", "more", "send", "thanks", "error_csat", "error_why")


def by_message(messages) -> dict[int, Survey]:
    """The surveys carried by these messages (one query for a page of them)."""
    ids = [m.pk for m in messages if m.direction == "out" and m.automated]
    if not ids:
        return {}
    return {s.message_id: s for s in Survey.objects.filter(message_id__in=ids)}


def as_json(survey: Survey) -> dict:
    language = wording.supported(survey.language) or wording.DEFAULT
    t = wording.texts(language)
    return {"answered": survey.answered_at is not None, "language": language,
            "texts": {**{k: t[k] for k in FORM_TEXTS if k in t},
                      "why": t["why"].format(channel=WebchatProvider.label)},
            "choices": [[value, t.get(value, value)] for value in Why.values]}


def answer(visitor: Visitor, message_id: int, data: dict) -> Survey:
    """Record the visitor's answers to the survey of one of their replies. Raises NotFound for
    a message that is not theirs or carries no survey, ValidationError for a wrong value."""
    if not gate.replies(visitor).filter(pk=message_id).exists():
        raise NotFound("no such survey")
    survey = Survey.objects.filter(message_id=message_id).first()
    if survey is None:
        raise NotFound("no such survey")
    return actions.answer(survey, csat=data.get("csat"), why=str(data.get("why") or ""),
                          why_text=str(data.get("why_text") or "")[:500])
