"""The survey page a customer opens from the link they got after a resolution: `/s/<token>`.

No login and no session: the token in the link is the credential (256 random bits), so the form
is exempt from Django's CSRF check. CSRF protects a *logged-in* browser from a forged request
that rides its cookies; here there is no cookie to ride, and a forger would need the token, with
which they could answer anyway. Each survey takes one answer. Works without JavaScript.
"""

from __future__ import annotations

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from heedful.analytics import bypass
from heedful.channels import registry
from heedful.conversations.models import Conversation
from heedful.core.errors import ValidationError
from heedful.feedback import actions, wording
from heedful.feedback.models import Why

PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


def _channel_name(provider: str) -> str:
    try:
        return registry.get(provider).display_name
    except (KeyError, LookupError):
        return provider


def _question(survey, t: dict, language: str) -> str:
    """"Why did you choose <channel> today?", naming for a bypass the channel they left and the
    day they used it (in the customer's language)."""
    channel = _channel_name(survey.provider)
    found = bypass.of(survey.conversation_id)
    if not found:
        return t["why"].format(channel=channel)
    source = Conversation.objects.filter(pk=found["from_conversation"]).values_list("created_at", flat=True).first()
    left = _channel_name(found["from_channel"])
    if source is None:
        return t["why_after_undated"].format(left=left, channel=channel)
    day = wording.weekday(language, timezone.localtime(source).weekday())
    return t["why_after"].format(left=left, day=day, channel=channel)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def survey_page(request, token: str):
    survey = actions.find(token)
    if survey is None:
        raise Http404("no such survey")
    language = wording.supported(survey.language) or wording.DEFAULT
    t = wording.texts(language)
    context = {"survey": survey, "t": t, "language": language, "question": _question(survey, t, language),
               "choices": [(value, t[value]) for value in Why.values], "error": "", "posted": {}}
    status = 200
    if request.method == "POST" and not survey.answered_at:
        posted = {k: request.POST.get(k, "")[:500] for k in ("csat", "why", "why_text")}
        try:
            survey = actions.answer(survey, csat=posted["csat"], why=posted["why"], why_text=posted["why_text"])
            context["survey"] = survey
        except ValidationError:
            problem = actions.invalid_answer(survey, posted["csat"], posted["why"]) or "answered"
            context.update(error=t[f"error_{problem}"], posted=posted)
            status = 400
    response = TemplateResponse(request, "heedful/survey/page.html", context, status=status)
    response["Content-Security-Policy"] = PAGE_CSP
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to another site
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
