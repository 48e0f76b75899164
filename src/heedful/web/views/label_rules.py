"""Topic label rules in the workspace: keywords or phrases that label a conversation as its
customer messages arrive. Everyone who reads conversations sees the list; admins change it
(each write one `routing.actions` call; the pipeline picks changes up within seconds)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from heedful.accounts.access import can_manage_teams, channels_for, reads_text
from heedful.channels.models import Channel
from heedful.core.errors import NotFound
from heedful.routing import actions
from heedful.routing.models import LabelRule
from heedful.web.views.helpers import command_view, page_view
from heedful.web.views.inbox import sidebar_context


def _admin(user) -> None:
    if not can_manage_teams(user):
        raise PermissionDenied("only admins change label rules")


@page_view
def rule_list(request):
    if not reads_text(request.user):
        raise PermissionDenied("not for this role")
    rules = LabelRule.objects.select_related("channel").order_by("label", "id")
    return render(request, "heedful/settings/label_rules.html", {
        **sidebar_context(request.user), "rules": rules, "channels": channels_for(request.user).order_by("name"),
        "can_edit": can_manage_teams(request.user)})


def _fields(post) -> dict:
    channel = None
    if post.get("channel"):
        channel = Channel.objects.filter(pk=post["channel"]).first() if post["channel"].isdigit() else None
        if channel is None:
            raise NotFound("channel not found")
    keywords = [k for line in post.get("keywords", "").splitlines() for k in line.split(",")]
    return {"label": post.get("label", ""), "keywords": keywords, "channel": channel,
            "enabled": post.get("enabled") == "on"}


@command_view
def rule_create(request):
    _admin(request.user)
    with transaction.atomic():
        actions.save_label_rule(request.user, **_fields(request.POST))
    return redirect("/settings/labels/")


@command_view
def rule_save(request, rule_id: int):
    _admin(request.user)
    rule = get_object_or_404(LabelRule, pk=rule_id)
    with transaction.atomic():
        actions.save_label_rule(request.user, rule, **_fields(request.POST))
    return redirect("/settings/labels/")


@command_view
def rule_delete(request, rule_id: int):
    _admin(request.user)
    rule = get_object_or_404(LabelRule, pk=rule_id)
    with transaction.atomic():
        actions.delete_label_rule(request.user, rule)
    return redirect("/settings/labels/")
