"""The contact page and contact search (HTML). Thin views: gates to read, actions to write.

Every object comes through the permission gates in accounts/access.py; what the user may not
read is a 404, the same as what does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from heedful.accounts.access import access_contact, access_suggestion, conversations_for
from heedful.analytics.access import rollup_teams
from heedful.contacts import actions, linking, merging, selectors, unlinking
from heedful.conversations.models import Note
from heedful.core.errors import NotFound, PermissionDenied
from heedful.feedback import actions as feedback
from heedful.web import contact_list, contact_queries
from heedful.web.views.helpers import command_view, is_htmx, page_view

TIMELINE_SIZE = 200


@page_view
def contact_search(request):
    """The contacts list: a keyset page of the contacts the gate allows, optionally searched."""
    q = request.GET.get("q", "").strip()[:200]
    page = contact_list.page(request.user, q, after=request.GET.get("after", ""),
                             before=request.GET.get("before", ""))
    context = {"q": q, "page": page, "min_term": contact_list.MIN_TERM,
               "paged": bool(request.GET.get("after") or request.GET.get("before"))}
    if is_htmx(request) and request.headers.get("HX-Target") == "contact-results":
        return TemplateResponse(request, "heedful/contacts/_table.html", context)
    return TemplateResponse(request, "heedful/contacts/search.html", context)


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
def unlink(request, contact_id: int, identity_id: int):
    contact = access_contact(request.user, contact_id, write=True)
    identity = contact.identities.filter(pk=identity_id).first()
    if identity is None:
        raise NotFound("no such identity on this contact")
    with transaction.atomic():
        new = unlinking.unlink(request.user, identity)
    messages.success(request, f"{identity} now has a contact of its own.")
    return redirect(f"/contacts/{new.pk}/")


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
