"""Automation rules in the workspace: the list with enabled toggles, the rule form, each rule's
runs. Supervisors and admins only (`accounts.access.can_manage_automation`); every write is one
`routing.actions` call, CSRF-checked like every form post."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from heedful.accounts.access import can_manage_automation
from heedful.core.errors import HeedfulError
from heedful.routing import actions, automation
from heedful.routing.models import AutomationRule
from heedful.web import rule_form
from heedful.web.views.helpers import command_view, page_view
from heedful.web.views.inbox import sidebar_context

RUNS_SHOWN = 100


def _gate(user) -> None:
    if not can_manage_automation(user):
        raise PermissionDenied("only supervisors and admins edit automation rules")


@page_view
def rule_list(request):
    _gate(request.user)
    rules = [(rule, rule_form.describe(rule)) for rule in AutomationRule.objects.order_by("position", "id")]
    return render(request, "heedful/settings/automation_list.html", {**sidebar_context(request.user), "rules": rules})


@page_view
def rule_new(request):
    _gate(request.user)
    return _form_page(request, None)


@page_view
def rule_edit(request, rule_id: int):
    _gate(request.user)
    return _form_page(request, get_object_or_404(AutomationRule, pk=rule_id))


def _form_page(request, rule):
    """GET draws the form; POST saves it, or draws it again with the error and what was typed."""
    form, error = (rule_form.from_rule(rule) if rule else rule_form.RuleForm()), ""
    if request.method == "POST":
        form = rule_form.from_post(request.POST)
        try:
            fields = rule_form.to_fields(form)
            with transaction.atomic():
                if rule is None:
                    rule = actions.create_rule(request.user, **fields)
                else:
                    actions.update_rule(request.user, rule, **fields)
            return redirect("/settings/automation/")
        except HeedfulError as exc:
            error = str(exc)
    conditions, action_rows = form.rows()
    context = {**sidebar_context(request.user), "rule": rule, "form": form, "error": error,
               "conditions": conditions, "action_rows": action_rows, "events": automation.EVENTS,
               "fields": automation.FIELDS, "ops": rule_form.OP_WORDS, "action_types": rule_form.ACTION_WORDS}
    return render(request, "heedful/settings/automation_form.html", context, status=422 if error else 200)


@command_view
def rule_enabled(request, rule_id: int):
    _gate(request.user)
    rule = get_object_or_404(AutomationRule, pk=rule_id)
    with transaction.atomic():
        actions.update_rule(request.user, rule, enabled=request.POST.get("enabled") == "on")
    return redirect("/settings/automation/")


@page_view
def rule_runs(request, rule_id: int):
    _gate(request.user)
    rule = get_object_or_404(AutomationRule, pk=rule_id)
    runs = rule.runs.order_by("-created_at", "-id")[:RUNS_SHOWN]
    return render(request, "heedful/settings/automation_runs.html",
                  {**sidebar_context(request.user), "rule": rule, "runs": runs, "shown": RUNS_SHOWN})
