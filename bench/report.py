"""Targets checked against results, and the short table printed at the end of a run."""

from __future__ import annotations

from bench.config import TARGETS


def dig(results: dict, path: str):
    value = results
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def check_targets(results: dict) -> list[dict]:
    checked = []
    for path, (op, target) in TARGETS.items():
        value = dig(results, path)
        if value is None:
            checked.append({"metric": path, "value": None, "target": f"{op} {target}", "met": None})
            continue
        met = {">=": value >= target, "<=": value <= target, "<": value < target}[op]
        entry = {"metric": path, "value": value, "target": f"{op} {target}", "met": met}
        if not met:
            entry["missed_by"] = (f"{100 * (target - value) / target:.0f}% below" if op == ">="
                                  else f"{value / target:.1f}x the limit" if target
                                  else f"{value} over")
        checked.append(entry)
    return checked


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


_TABLE = [
    ("ingest.accepted_webhooks_per_s", "ingest: webhooks accepted/s (max load)"),
    ("ingest.processed_messages_per_s", "ingest: messages processed/s (max load)"),
    ("ingest.max.receipt_to_visible_ms.p99", "ingest: receipt->visible p99 ms (max load)"),
    ("ingest.paced.receipt_to_visible_ms.p50", "ingest: receipt->visible p50 ms (500/s)"),
    ("ingest.paced.receipt_to_visible_ms.p95", "ingest: receipt->visible p95 ms (500/s)"),
    ("ingest.paced.receipt_to_visible_ms.p99", "ingest: receipt->visible p99 ms (500/s)"),
    ("ingest.max.route_step_us_per_message.wall", "ingest: route step us/message, wall (max load)"),
    ("ingest.max.route_step_us_per_message.cpu", "ingest: route step us/message, CPU (max load)"),
    ("ingest.paced_on_loaded_desk.receipt_to_visible_ms.p99", "ingest: p99 ms at 500/s on the loaded desk"),
    ("ingest.max.echoes_dropped", "ingest: brand echoes dropped (max load)"),
    ("ingest.max.memory_peak_mb.web", "memory: web peak RSS MB (all processes)"),
    ("ingest.max.memory_peak_mb.worker", "memory: worker peak RSS MB (all processes)"),
    ("live.receipt_to_event_ms.p50", "live: receipt->agent event p50 ms"),
    ("live.receipt_to_event_ms.p99", "live: receipt->agent event p99 ms"),
    ("desk.inbox_p95_ms", "desk: inbox pages, worst p95 ms"),
    ("desk.conversation_p95_ms", "desk: conversation pages, worst p95 ms"),
    ("desk.search_p95_ms", "desk: search, worst p95 ms"),
    ("desk.reports_p95_ms", "desk: reports, worst p95 ms"),
    ("copy.copy_rows_per_s", "COPY ceiling rows/s"),
    ("copy.ratio_copy_to_heedful", "COPY / Heedful processed (x)"),
    ("ceiling.accepted_per_s", "accept ceiling: minimal Django view webhooks/s"),
    ("ceiling.ratio_heedful_to_ceiling", "Heedful accepted / accept ceiling (x)"),
    ("peer.peer_messages_per_s", "peer: messages created/s"),
    ("peer.ratio_heedful_to_peer_ingest", "Heedful / peer ingest (x)"),
    ("peer.ratio_peer_to_heedful_list_p95", "peer list p95 / Heedful inbox p95 (x)"),
    ("peer.peer_list_rows", "peer: tickets in the list timed"),
    ("peer.heedful_list_rows", "Heedful: conversations in the inbox timed"),
    ("mail.heedful_mails_per_s", "mail: Heedful mails processed/s (webhook)"),
    ("mail.peer_mails_per_s", "mail: peer mails processed/s (its mail ingestion)"),
    ("mail.ratio_heedful_to_peer", "mail: Heedful / peer (x)"),
    ("mail.threads", "mail: threads sent (4 mails each)"),
    ("mail.heedful_conversations", "mail: Heedful conversations opened"),
    ("mail.peer_tickets", "mail: peer tickets opened"),
    ("soak.events_lost", "soak: events lost (sent - processed)"),
    ("soak.p99_window_max_ms", "soak: receipt->visible p99 ms, worst window"),
    ("soak.p99_last_over_first", "soak: p99 last window / first (x)"),
    ("soak.web_rss_growth_mb", "soak: web RSS growth MB (first -> last window)"),
    ("soak.worker_rss_growth_mb", "soak: worker RSS growth MB (first -> last window)"),
]


def rows(results: dict) -> list[tuple[str, str, str]]:
    """(figure, value, target or note) for the table, in reading order."""
    targets = {t["metric"]: t for t in results.get("targets", [])}

    def target(path: str) -> str:
        t = targets.get(path)
        if not t:
            return ""
        verdict = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
        return f"{t['target']} ({verdict})"

    out = []
    for path, label in _TABLE:
        out.append((label, _fmt(dig(results, path)), target(path)))
    return out


def table(results: dict) -> str:
    lines = [f"Heedful benchmark ({results.get('mode')}, {results.get('date')}, {results.get('elapsed_s')} s)"]
    body = rows(results)
    width = max(len(r[0]) for r in body)
    for label, value, target in body:
        lines.append(f"  {label.ljust(width)}  {value.rjust(12)}  {target}")
    for name, error in (results.get("errors") or {}).items():
        lines.append(f"  ERROR in {name}: {error}")
    return "\n".join(lines) + "\n"


def _ms(value) -> str:
    return "-" if value is None else f"{float(value):,.0f}"


def _verdict(results: dict, path: str) -> str:
    for t in results.get("targets", []):
        if t["metric"] == path:
            if t["met"] is None:
                return f"{t['target']}: not measured"
            return f"{t['target']}: **met**" if t["met"] else f"{t['target']}: **missed** ({t['missed_by']})"
    return ""


def _ingest_rows(results: dict) -> list[str]:
    lines = ["| run | webhooks | accepted/s (HTTP) | HTTP p99 ms | messages | processed msg/s | "
             "receipt->visible p50 / p95 / p99 ms | CPU (cores busy) |", "|---|---|---|---|---|---|---|---|"]
    for key, label in (("paced", "500/s offered"), ("max", "max load"),
                       ("paced_on_loaded_desk", "500/s on the loaded desk")):
        run = dig(results, f"ingest.{key}")
        if not run:
            continue
        lat = run["receipt_to_visible_ms"]
        cpu = ", ".join(f"{g} {v}" for g, v in run["cpu"]["cores_busy"].items())
        lines.append(f"| {label} | {run['webhooks_sent']:,} | {_fmt(run['http'].get('ok_per_s'))} | "
                     f"{_ms(run['http']['latency_ms'].get('p99'))} | {run['messages']:,} | "
                     f"{_fmt(run['processed_messages_per_s'])} | {_ms(lat['p50'])} / {_ms(lat['p95'])} / "
                     f"{_ms(lat['p99'])} | {cpu} |")
    return lines


def _desk_rows(results: dict) -> list[str]:
    pages = dig(results, "desk.pages") or {}
    lines = ["| page | p50 ms | p95 ms | max ms | n |", "|---|---|---|---|---|"]
    for name, page in pages.items():
        if "error" in page:
            lines.append(f"| {name} | error: {page['error']} | | | |")
            continue
        lines.append(f"| {name} | {page['p50_ms']} | {page['p95_ms']} | {page['max_ms']} | {page['n']} |")
    return lines


def markdown(results: dict) -> str:
    """The figures part of RESULTS.md (the analysis is written by hand around it)."""
    m = results.get("machine", {})
    out = [f"Run: `{results.get('command')}` on {results.get('date')}, {results.get('elapsed_s')} s; "
           f"{m.get('cpus')} CPUs ({m.get('cpu_model')}), {m.get('memory_gb')} GB, Python {m.get('python')}, "
           f"load average at start {m.get('load_average_at_start')}.", "",
           "| figure | value | target |", "|---|---|---|"]
    for label, value, _ in rows(results):
        path = next((p for p, lbl in _TABLE if lbl == label), "")
        out.append(f"| {label} | {value} | {_verdict(results, path)} |")
    out += ["", "### Ingest", ""] + _ingest_rows(results)
    out += ["", "### Desk pages", ""] + _desk_rows(results)
    return "\n".join(out) + "\n"
