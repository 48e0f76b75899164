"""`GET /api/v1/reports/<name>?days=30&format=csv`: resolution metrics as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.http import HttpResponse
from ninja import Router

from heedful.analytics.access import report_scope
from heedful.analytics.reports import REPORTS
from heedful.api.v1.errors import answers
from heedful.core.clock import now
from heedful.core.errors import NotFound

router = Router(tags=["reports"])


@router.get("/reports")
@answers(403)
def list_reports(request):
    report_scope(request.auth)
    return {"reports": sorted(REPORTS)}


@router.get("/reports/{name}")
@answers(403)
def get_report(request, name: str, days: int = 30, format: str = "json"):
    if name not in REPORTS:
        raise NotFound(f"no report named {name!r}")
    since = now() - timedelta(days=max(1, min(days, 3660)))
    rows = REPORTS[name](report_scope(request.auth), since)
    if format == "csv":
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="heedful-{name}.csv"'
        return response
    return {"report": name, "since": since.isoformat(), "rows": rows}
