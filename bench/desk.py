"""Desk at scale: agent pages over real HTTP, logged in, one request at a time.

Each page is requested a few times to warm up, then N times; p50/p95/max in milliseconds are
client-side wall times over loopback (Django, database and template time together).
"""

from __future__ import annotations

import time
from collections import Counter

import httpx

from bench import fixtures, procs
from bench.config import Settings, Sizes
from bench.desk_gen import Meta
from bench.procs import log

SLOW_MS = 500  # a page slower than this is measured only a few times ...
VERY_SLOW_MS = 5000  # ... slower than this, its first (cold) answer is the only sample ...
PAGE_SECONDS = 20  # ... and no page is measured for longer than this
TIMEOUT_S = 25  # the database gives up first (statement_timeout, set on the bench database)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def timed(client: httpx.Client, url: str | list[str], n: int, *, headers: dict | None = None,
          warm: int = 2) -> dict:
    """`url` may be a list: the requests go round it (different conversations, not one cached)."""
    urls = [url] if isinstance(url, str) else url
    times: list[float] = []
    statuses: Counter = Counter()
    size, i, began = 0, 0, time.perf_counter()
    while i < warm + n and (not times or time.perf_counter() - began < PAGE_SECONDS):
        started = time.perf_counter()
        try:
            response = client.get(urls[i % len(urls)], headers=headers, timeout=TIMEOUT_S)
            status = response.status_code
        except httpx.TimeoutException:
            response, status = None, "timeout"
        elapsed = (time.perf_counter() - started) * 1000
        if i >= warm or elapsed > VERY_SLOW_MS or response is None:
            times.append(elapsed)
            statuses[status] += 1
            size = len(response.content) if response is not None else 0
            if elapsed > VERY_SLOW_MS or response is None or status == 500:
                break
        elif elapsed > SLOW_MS:
            n = min(n, 3)
        i += 1
    result = {"url": urls[0] + (f" (+{len(urls) - 1} more)" if len(urls) > 1 else ""), "n": len(times),
              "p50_ms": _quantile(times, 0.5), "p95_ms": _quantile(times, 0.95),
              "max_ms": round(max(times), 1), "status": {str(k): v for k, v in statuses.items()}, "bytes": size}
    if set(result["status"]) - {"200"}:
        result["note"] = "gave up: the database statement timeout or the client timeout was reached"
    return result


def _clients(settings: Settings, people: fixtures.People) -> tuple[httpx.Client, httpx.Client, httpx.Client]:
    admin = fixtures.http_login(settings.base_url, "bench-admin")
    agent = httpx.Client(base_url=settings.base_url, timeout=60.0,
                         cookies={"sessionid": fixtures.session_cookie(people.agent_ids[0])})
    api = httpx.Client(base_url=settings.base_url, timeout=60.0,
                       headers={"Authorization": f"Token {people.api_token}"})
    return admin, agent, api


def inbox_at_ingest_scale(settings: Settings, sizes: Sizes, people) -> dict:
    """The staff list right after ingest (same data size as the peer's ticket list), once the
    burst's follow-up work is done."""
    busy = procs.wait_quiet()
    admin, agent, api = _clients(settings, people)
    try:
        return {"inbox_first_page": timed(admin, "/inbox/", sizes.page_requests),
                "api_conversations": timed(api, "/api/v1/conversations", sizes.page_requests),
                "machine_cores_busy_before": busy}
    finally:
        for client in (admin, agent, api):
            client.close()


def deep_cursor(page_number: int, *, size: int = 50) -> tuple[str, int]:
    """The keyset cursor the inbox would hand out after `page_number - 1` pages of open rows."""
    from heedful.conversations.models import Conversation
    from heedful.web.keyset import encode

    open_rows = Conversation.objects.filter(status="open").count()
    page_number = max(1, min(page_number, open_rows // size))
    offset = (page_number - 1) * size - 1
    if offset < 0:
        return "", 1
    row = (Conversation.objects.filter(status="open").order_by("-priority", "-last_activity_at", "-id")
           .values_list("priority", "last_activity_at", "id")[offset])
    return encode(*row), page_number


def older_cursor(conversation_id: int, *, size: int = 100) -> str:
    from heedful.conversations.models import Message
    from heedful.web.keyset import encode

    row = (Message.objects.filter(conversation_id=conversation_id).order_by("-sent_at", "-id")
           .values_list("sent_at", "id")[size - 1])
    return encode(*row)


def report_names(api: httpx.Client) -> list[str]:
    response = api.get("/api/v1/reports")
    if response.status_code != 200:
        return []
    return list(response.json().get("reports", []))


HTMX_LIST = {"HX-Request": "true", "HX-Target": "inbox-list"}


def pages(meta: Meta, admin, agent, api) -> list[tuple[str, str, httpx.Client, object, dict | None]]:
    """(name, category, client, url or urls, headers) for everything the desk section reports."""
    cursor, page_number = deep_cursor(1000)
    big = meta.big_conversations[0] if meta.big_conversations else meta.sample_conversations[0]
    typical = [f"/conversations/{c}/" for c in meta.sample_conversations[:40]]
    email = meta.channels.get("email")
    rows = [
        ("inbox: first page", "inbox", admin, "/inbox/", None),
        ("inbox: list partial (htmx)", "inbox", admin, "/inbox/", HTMX_LIST),
        ("inbox: any status", "inbox", admin, "/inbox/?status=any", HTMX_LIST),
        (f"inbox: page {page_number}", "inbox", admin, f"/inbox/?after={cursor}", HTMX_LIST),
        ("inbox: team agent, first page", "inbox", agent, "/inbox/", None),
        ("inbox: team agent, mine", "inbox", agent, "/inbox/?view=mine", HTMX_LIST),
        ("filter: unassigned", "inbox", admin, "/inbox/?view=unassigned", HTMX_LIST),
        ("filter: public (social)", "inbox", admin, "/inbox/?view=public", HTMX_LIST),
        ("filter: email channel", "inbox", admin, f"/inbox/?channel={email}", HTMX_LIST),
        ("filter: urgent", "inbox", admin, "/inbox/?priority=3", HTMX_LIST),
        ("filter: negative sentiment", "inbox", admin, "/inbox/?sentiment=negative", HTMX_LIST),
        ("filter: label", "inbox", admin, f"/inbox/?label={meta.label_ids[0]}&status=any", HTMX_LIST),
        ("filter: resolved", "inbox", admin, "/inbox/?status=resolved", HTMX_LIST),
        ("filter: SLA at risk", "inbox", admin, "/inbox/?view=sla", HTMX_LIST),
        ("conversation: typical", "conversation", admin, typical, None),
        ("conversation: 10,000 messages", "conversation", admin, f"/conversations/{big}/", None),
        ("conversation: 10,000 messages, older page", "conversation", admin,
         f"/conversations/{big}/older/?before={older_cursor(big)}", None),
        ("contact timeline: long history (API)", "contact", api,
         [f"/api/v1/contacts/{c}" for c in meta.heavy_contacts], None),
        ("contact timeline: typical (API)", "contact", api,
         [f"/api/v1/contacts/{c}" for c in meta.sample_contacts], None),
        ("API: conversations list", "api", api, "/api/v1/conversations", None),
        ("API: conversation messages", "api", api, f"/api/v1/conversations/{big}/messages", None),
        (f"search (API): order ref {meta.needle}", "search", api, f"/api/v1/conversations?q={meta.needle}", None),
        (f"search (API): rare word '{meta.rare_word}'", "search", api, f"/api/v1/conversations?q={meta.rare_word}", None),
        (f"search (API): common word '{meta.common_word}'", "search", api,
         f"/api/v1/conversations?q={meta.common_word}", None),
        (f"search (inbox): order ref {meta.needle}", "search", admin, f"/inbox/?q={meta.needle}&status=any", HTMX_LIST),
        (f"search (inbox): rare word '{meta.rare_word}'", "search", admin,
         f"/inbox/?q={meta.rare_word}&status=any", HTMX_LIST),
    ]
    for name in report_names(api):
        for days in (30, 365):
            rows.append((f"report: {name} ({days} days)", "reports", api, f"/api/v1/reports/{name}?days={days}", None))
    return rows


def measure(settings: Settings, sizes: Sizes, people, meta: Meta) -> dict:
    admin, agent, api = _clients(settings, people)
    measured, worst = {}, {}
    try:
        for name, category, client, url, headers in pages(meta, admin, agent, api):
            try:
                result = timed(client, url, sizes.page_requests, headers=headers)
            except httpx.HTTPError as exc:
                result = {"url": url if isinstance(url, str) else url[0], "error": type(exc).__name__}
            result["category"] = category
            measured[name] = result
            if "p95_ms" in result:  # a page that gave up counts with the time it took
                worst[category] = max(worst.get(category, 0.0), result["p95_ms"])
            log(f"desk: {name}: p50 {result.get('p50_ms')} ms, p95 {result.get('p95_ms')} ms {result.get('status', '')}")
    finally:
        for client in (admin, agent, api):
            client.close()
    failed = [n for n, r in measured.items() if "error" in r or set(r.get("status", {})) != {"200"}]
    return {"pages": measured, "worst_p95_ms_by_category": worst, "failed_pages": failed,
            "inbox_p95_ms": worst.get("inbox"), "conversation_p95_ms": worst.get("conversation"),
            "search_p95_ms": worst.get("search"), "reports_p95_ms": worst.get("reports"),
            "reports_present": any(r["category"] == "reports" for r in measured.values())}
