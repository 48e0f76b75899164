"""`GET /api/v1/reports/<name>?since=ISO&until=ISO&channel=&team=&label=&format=json|csv`:
the analytics reports, read from the rollups, scoped by the permission gate. `days=N` (the
last N days) stands for `since` when that is absent."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from ninja import Router

from heedful.analytics import query
from heedful.analytics.access import rollup_teams
from heedful.analytics.reports import REPORTS
from heedful.api.v1.errors import answers

router = Router(tags=["reports"])


@router.get("/reports")
@answers(403)
def list_reports(request):
    rollup_teams(request.auth)
    return {"reports": sorted(REPORTS)}


@router.get("/reports/{name}")
@answers(403)
def get_report(request, name: str, since: datetime | None = None, until: datetime | None = None,
               channel: str = "", team: int | None = None, label: str = "", days: int = 0, format: str = "json"):
    f = query.filters(since=since, until=until, channel=channel, team=team, label=label, days=days,
                      teams=rollup_teams(request.auth))
    result = query.run(name, f)
    if format == "csv":
        response = HttpResponse(query.to_csv(result["rows"]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="heedful-{name}.csv"'
        return response
    return result
