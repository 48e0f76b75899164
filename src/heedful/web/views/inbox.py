"""The inbox: views (mine, unassigned, teams, all, public, SLA at risk), filters, keyset pages."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render

from heedful.accounts.access import access_conversation, channels_for, member_teams
from heedful.analytics import bypass
from heedful.conversations.models import Label, Priority
from heedful.ingestion import backlog
from heedful.routing import explain
from heedful.web import inbox_query, saved_filters
from heedful.web.inbox_query import InboxFilter
from heedful.web.views.helpers import command_view, page_view


def visible_channels(user):
    """The channel filter's choices: a name and an id each (no credentials to decrypt)."""
    return channels_for(user).order_by("name").only("pk", "name")


@page_view
def inbox(request):
    f = InboxFilter.from_query(request.GET)
    qs = inbox_query.conversations(request.user, f)
    page = inbox_query.page(qs, after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    bypass.preload(page.rows)  # the "came from another channel" badge, one query
    explain.preload_timers(page.rows)  # SLA due times, one query
    context = {"filter": f, "page": page, "paged": bool(request.GET.get("after") or request.GET.get("before"))}
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "inbox-list":
        return render(request, "heedful/inbox/_list.html", context)
    context.update(sidebar_context(request.user, f))
    context.update(
        channels=visible_channels(request.user), teams=member_teams(request.user).order_by("name"),
        labels=Label.objects.all()[:200], priorities=Priority.choices, statuses=inbox_query.STATUSES,
        backlog=backlog.catching_up(),  # a count only, no content: shown to every agent
    )
    return render(request, "heedful/inbox/page.html", context)


def sidebar_context(user, f: InboxFilter | None = None) -> dict:
    open_filter = InboxFilter()
    counts = {
        view: inbox_query.capped_count(inbox_query.conversations(user, InboxFilter(view=view)))
        for view in ("mine", "unassigned", "sla")
    }
    current = f or open_filter
    nav = [(key, label, counts.get(key)) for key, label in inbox_query.VIEWS.items()]
    return {"nav_views": nav, "current": current,
            "view_title": inbox_query.VIEWS[current.view], "saved_filters": saved_filters.for_user(user)}


@page_view
def row(request, conversation_id: int):
    """One inbox row, re-rendered for a live update; empty when it left the current view."""
    conversation = access_conversation(request.user, conversation_id)
    f = InboxFilter.from_query(request.GET)
    qs = inbox_query.conversations(request.user, f).filter(pk=conversation.pk)
    rows = inbox_query.page(qs, size=1).rows
    bypass.preload(rows)
    explain.preload_timers(rows)
    if not rows:
        return HttpResponse("")
    return render(request, "heedful/inbox/_row.html", {"c": rows[0], "filter": f})


@command_view
def save_filter(request):
    f = InboxFilter.from_query(request.POST)
    saved = saved_filters.save(request.user, request.POST.get("name", ""), f)
    return redirect(f"/inbox/?{saved.query}")


@command_view
def delete_filter(request, filter_id: int):
    saved_filters.delete(request.user, filter_id)
    return redirect("/inbox/")
