"""Report dashboards at /reports/: one server-drawn chart per report, each with CSV and JSON.

Read through the analytics gate (`rollup_teams`): supervisors see their teams, analysts and
admins everything, agents nothing (403).
"""

from __future__ import annotations

import json
from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import urlencode

from heedful.accounts.models import Team
from heedful.analytics import query, reports
from heedful.analytics.access import rollup_teams
from heedful.channels.models import Channel
from heedful.core.errors import HeedfulError, PermissionDenied
from heedful.web import charts
from heedful.web.views.helpers import CSP
from heedful.web.views.inbox import sidebar_context

PARAMS = ("since", "until", "channel", "team", "label")


def _by_day(rows: list[dict], value: str, series: str = "channel") -> tuple[list[str], dict[str, list]]:
    days = sorted({r["day"] for r in rows})
    index = {d: i for i, d in enumerate(days)}
    out: dict[str, list] = defaultdict(lambda: [None] * len(days))
    for r in rows:
        out[r[series]][index[r["day"]]] = r[value]
    return days, dict(out)


def _col(rows, key):
    return [r[key] for r in rows]


def _why(rows):
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r["why"]] += r["answers"]
    cats = sorted(totals, key=lambda k: -totals[k])
    return charts.bars("Why this channel? (answers)", cats, {"answers": [totals[c] for c in cats]})


CHARTS = {
    "volume": ("Conversations by channel per day", lambda rows: charts.lines(
        "Conversations by channel per day", *_by_day(rows, "conversations"))),
    "resolution": ("Resolution by channel", lambda rows: charts.bars(
        "Resolution by channel", _col(rows, "channel"),
        {"FCR": _col(rows, "fcr_rate"), "one-touch": _col(rows, "one_touch_rate"),
         "reopened": _col(rows, "reopen_rate")}, top=1.0)),
    "trend": ("FCR and 7-day repeat contacts per day", lambda rows: charts.lines(
        "FCR and 7-day repeat contacts per day", _col(rows, "day"),
        {"FCR": _col(rows, "fcr_rate"), "repeat 7d": _col(rows, "repeat_rate_7d")}, top=1.0)),
    "repeat-contacts": ("Repeat-contact rate by channel", lambda rows: charts.bars(
        "Repeat-contact rate by channel", _col(rows, "channel"),
        {"72 h": _col(rows, "repeat_rate_72h"), "7 d": _col(rows, "repeat_rate_7d"),
         "30 d": _col(rows, "repeat_rate_30d")}, top=1.0)),
    "channel-bypass": ("Channel bypass flows (from → to)", lambda rows: charts.matrix(
        "Channel bypass flows", rows)),
    "why-channel": ("Why this channel?", _why),
    "csat": ("CSAT by channel", lambda rows: charts.bars(
        "CSAT answers by score", _col(rows, "channel"),
        {f"{n}": [r["distribution"][str(n)] for r in rows] for n in range(1, 6)})),
    "sentiment": ("Sentiment at start and end, by channel", lambda rows: charts.bars(
        "Customer sentiment at the start and the end (-1 to 1)", _col(rows, "channel"),
        {"start": _col(rows, "start_mean"), "end": _col(rows, "end_mean")}, top=1.0, signed=True)),
    "demand": ("Value and failure demand", lambda rows: charts.bars(
        "Value and failure demand", _col(rows, "channel"),
        {"value": _col(rows, "value_demand"), "failure": _col(rows, "failure_demand")})),
    "agents": ("Agent workload", lambda rows: charts.bars(
        "Agent workload", _col(rows, "agent"),
        {"replies": _col(rows, "messages_out"), "resolved": _col(rows, "resolved")})),
    "deflection": ("Self-service deflections", lambda rows: charts.bars(
        "Self-service deflections", [r["channel"] or r["source"] for r in rows],
        {"deflections": _col(rows, "deflections")})),
    # Plugged in by community_desk; drawn only where that edge registered it.
    "community": ("Community by category", lambda rows: charts.bars(
        "Community topics by category: unanswered, solved, solved by a member", _col(rows, "name"),
        {"unanswered": _col(rows, "unanswered_rate"), "solved": _col(rows, "solved_rate"),
         "solved by a member": _col(rows, "solved_by_member_rate")}, top=1.0)),
}


def _forbidden() -> HttpResponse:
    return HttpResponse("Reports are for supervisors, analysts and admins.", status=403,
                        content_type="text/plain; charset=utf-8")


def _filters(request, teams):
    return query.filters(teams=teams, **{k: request.GET.get(k, "")[:60] for k in PARAMS})


@login_required
def dashboard(request):
    try:
        teams = rollup_teams(request.user)
        f = _filters(request, teams)
    except PermissionDenied:
        return _forbidden()
    except HeedfulError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    qs = urlencode({k: request.GET[k][:60] for k in PARAMS if request.GET.get(k)})
    panels = []
    for name, (title, draw) in CHARTS.items():
        if name not in reports.REPORTS:
            continue
        rows = query.run(name, f)["rows"]
        panels.append({"name": name, "title": title, "svg": draw(rows), "rows": len(rows)})
    team_choices = Team.objects.order_by("name")
    if teams is not None:
        team_choices = team_choices.filter(pk__in=teams)
    response = TemplateResponse(request, "heedful/reports/dashboard.html", {
        "panels": panels, "f": f, "bypasses": reports.bypass_examples(f), "query": qs, "since": f.since.date().isoformat(), "until": f.until.date().isoformat(),
        "providers": sorted(set(Channel.objects.values_list("provider", flat=True))), "teams": team_choices,
        **sidebar_context(request.user),
    })
    response["Content-Security-Policy"] = CSP
    return response


@login_required
def export(request, name: str, fmt: str):
    try:
        result = query.run(name, _filters(request, rollup_teams(request.user)))
    except PermissionDenied:
        return _forbidden()
    except HeedfulError as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain; charset=utf-8")
    if fmt == "csv":
        response = HttpResponse(query.to_csv(result["rows"]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="heedful-{name}.csv"'
        return response
    if fmt == "json":
        return HttpResponse(json.dumps(result), content_type="application/json")
    return HttpResponse("format is csv or json", status=404, content_type="text/plain; charset=utf-8")
