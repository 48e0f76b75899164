"""The contact page and contact search (HTML). Thin views: gates to read, actions to write.

Every object comes through the permission gates in accounts/access.py; what the user may not
read is a 404, the same as what does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from heedful.accounts.access import access_contact, access_suggestion, conversations_for
from heedful.analytics.access import rollup_teams
from heedful.contacts import actions, linking, merging, selectors
from heedful.conversations.models import Note
from heedful.core.errors import PermissionDenied
from heedful.feedback import actions as feedback
from heedful.web import contact_queries
from heedful.web.views.helpers import command_view, page_view

PAGE_SIZE = 50
TIMELINE_SIZE = 200


@page_view
def contact_search(request):
    q = request.GET.get("q", "").strip()[:200]
    page = Paginator(contact_queries.search(request.user, q).prefetch_related("identities"), PAGE_SIZE)
    return TemplateResponse(request, "heedful/contacts/search.html", {
        "q": q, "page": page.get_page(request.GET.get("page")),
    })


@page_view
def contact_page(request, contact_id: int):
    contact = access_contact(request.user, contact_id)
    timeline = list(contact_queries.timeline(request.user, contact)[:TIMELINE_SIZE])
    conversation_notes = (Note.objects.filter(conversation__in=conversations_for(request.user),
                                              conversation__contact=contact)
                          .select_related("author", "conversation__channel").order_by("-created_at")[:50])
    return TemplateResponse(request, "heedful/contacts/page.html", {
        "contact": contact,
        "live": linking.live(contact) if contact.merged_into_id else None,
        "identities": contact.identities.order_by("kind", "pk"),
        "attributes": sorted(contact.attributes.items()),
        "timeline": timeline,
        "open_here": sum(1 for c in timeline if c.status != "resolved"),
        "elsewhere": contact_queries.open_elsewhere(request.user, contact),
        "contact_notes": contact.notes.select_related("author").order_by("-created_at")[:50],
        "conversation_notes": conversation_notes,
        "suggestions": contact_queries.suggestions(request.user, contact)[:20],
        "merges": selectors.merges(contact)[:20],
        "survey_answers": _survey_answers(request.user, contact),
    })


def _survey_answers(user, contact) -> list:
    """Answers are for those who read reports; the handling agent does not see them by default."""
    try:
        rollup_teams(user)
    except PermissionDenied:
        return []
    return feedback.answers_for_contact(contact.pk)


@command_view
def add_note(request, contact_id: int):
    contact = access_contact(request.user, contact_id, write=True)
    with transaction.atomic():
        actions.add_note(request.user, contact, request.POST.get("text", ""))
    return redirect(f"/contacts/{contact.pk}/")


@command_view
def unmerge(request, contact_id: int):
    source = access_contact(request.user, contact_id, write=True)
    target_id = source.merged_into_id
    with transaction.atomic():
        merging.unmerge(request.user, source)
    messages.success(request, "The contacts were separated again.")
    return redirect(f"/contacts/{target_id or source.pk}/")


@command_view
def confirm_suggestion(request, suggestion_id: int):
    suggestion = access_suggestion(request.user, suggestion_id)
    with transaction.atomic():
        suggestion = linking.confirm(request.user, suggestion)
    messages.success(request, "Linked: the contacts are now one.")
    return redirect(f"/contacts/{linking.live(suggestion.contact).pk}/")


@command_view
def dismiss_suggestion(request, suggestion_id: int):
    suggestion = access_suggestion(request.user, suggestion_id)
    with transaction.atomic():
        linking.dismiss(request.user, suggestion)
    return redirect(f"/contacts/{suggestion.contact_id}/")
