"""`{"count", "next", "results"}` lists, paged by offset with a capped page size."""

from __future__ import annotations

from urllib.parse import urlencode


def paginate(request, queryset, serialize, *, default_size: int = 50, max_size: int = 200) -> dict:
    try:
        size = max(1, min(max_size, int(request.GET.get("page_size", default_size))))
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        size, page = default_size, 1
    offset = (page - 1) * size
    rows = list(queryset[offset: offset + size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    nxt = None
    if has_next:
        query = request.GET.copy()
        query["page"] = page + 1
        nxt = request.build_absolute_uri(request.path) + "?" + urlencode(query, doseq=True)
    return {"count": queryset.count(), "next": nxt, "results": [serialize(r) for r in rows]}
