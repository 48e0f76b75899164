"""Server-rendered SVG charts for the report dashboards: no script, no external request.

Every label is escaped (agent names and labels are user input); numbers are formatted here.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ("#3451b2", "#e5484d", "#30a46c", "#f5a524", "#8e4ec6", "#0090ff", "#ad7f58", "#697177")
W, H, PAD_L, PAD_B, PAD_T = 640, 240, 44, 46, 14


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.2f}"
    return f"{int(v):,}"


def _svg(body: list[str], title: str, height: int = H) -> str:
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _legend(names: list[str], y: float) -> list[str]:
    out, x = [], PAD_L
    for i, name in enumerate(names):
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                   f'<text x="{x + 14}" y="{y + 9}">{escape(name)}</text>')
        x += 22 + 7 * len(name)
    return out


def _axis(top: float, low: float = 0.0) -> list[str]:
    base = H - PAD_B
    out = [f'<line x1="{PAD_L}" y1="{base}" x2="{W - 8}" y2="{base}" stroke="#888"/>']
    for i in range(5):
        y = base - (base - PAD_T) * i / 4
        out.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - 8}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#666">'
                   f"{_fmt(low + (top - low) * i / 4)}</text>")
    return out


def bars(title: str, categories: list[str], series: dict[str, list], *, top: float | None = None,
         signed: bool = False) -> str:
    """Grouped vertical bars: one group per category, one bar per series. `signed`: the scale
    runs from -top to top and bars grow from the middle (sentiment)."""
    if not categories:
        return empty(title)
    values = [abs(v or 0) for vs in series.values() for v in vs]
    top = top or max([*values, 1])
    low = -top if signed else 0.0
    base, plot_w = H - PAD_B, W - PAD_L - 8
    scale = (base - PAD_T) / (top - low)
    zero = base + low * scale
    group = plot_w / len(categories)
    bar_w = max(2.0, min(28.0, group * 0.8 / max(1, len(series))))
    body = _axis(top, low)
    for ci, cat in enumerate(categories):
        x0 = PAD_L + ci * group + (group - bar_w * len(series)) / 2
        for si, (name, vs) in enumerate(series.items()):
            v = max(low, min(vs[ci] or 0, top))
            y, h = (zero - v * scale, v * scale) if v >= 0 else (zero, -v * scale)
            body.append(f'<rect x="{x0 + si * bar_w:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                        f'fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(cat)} · {escape(name)}: {_fmt(vs[ci])}</title></rect>')
        body.append(f'<text x="{PAD_L + ci * group + group / 2:.1f}" y="{base + 14}" text-anchor="middle">'
                    f"{escape(cat[:18])}</text>")
    body += _legend(list(series), H - 16)
    return _svg(body, title)


def lines(title: str, xs: list[str], series: dict[str, list], *, top: float | None = None) -> str:
    """Lines over days (`xs` ISO dates), one per series; gaps where a value is None."""
    if not xs:
        return empty(title)
    values = [v for vs in series.values() for v in vs if v is not None]
    top = top or max([*values, 1])
    base, plot_w = H - PAD_B, W - PAD_L - 8
    step = plot_w / max(1, len(xs) - 1)
    body = _axis(top)
    for si, vs in enumerate(series.values()):
        points = [f"{PAD_L + i * step:.1f},{base - (base - PAD_T) * min(v, top) / top:.1f}"
                  for i, v in enumerate(vs) if v is not None]
        color = PALETTE[si % len(PALETTE)]
        if len(points) > 1:
            body.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(points)}"/>')
        for p in points:
            x, y = p.split(",")
            body.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{color}"/>')
    for i in sorted({0, len(xs) // 2, len(xs) - 1}):
        body.append(f'<text x="{PAD_L + i * step:.1f}" y="{base + 14}" text-anchor="middle">{escape(xs[i])}</text>')
    body += _legend(list(series), H - 16)
    return _svg(body, title)


def matrix(title: str, rows: list[dict]) -> str:
    """Flow matrix for channel bypass: from-channel rows, to-channel columns, shaded cells."""
    if not rows:
        return empty(title)
    froms = sorted({r["from_channel"] for r in rows})
    tos = sorted({r["to_channel"] for r in rows})
    cell = {(r["from_channel"], r["to_channel"]): r for r in rows}
    top = max(r["conversations"] for r in rows) or 1
    cw, ch, left, head = min(120, (W - 130) / len(tos)), 34, 120, 30
    height = head + ch * len(froms) + 24
    body = [f'<text x="{left + i * cw + cw / 2:.1f}" y="{head - 10}" text-anchor="middle" font-weight="600">'
            f"→ {escape(t)}</text>" for i, t in enumerate(tos)]
    for ri, f in enumerate(froms):
        y = head + ri * ch
        body.append(f'<text x="{left - 8}" y="{y + ch / 2 + 4:.1f}" text-anchor="end" font-weight="600">{escape(f)} →</text>')
        for ci, t in enumerate(tos):
            r = cell.get((f, t))
            n = r["conversations"] if r else 0
            shade = 0.12 + 0.88 * n / top if n else 0.04
            body.append(f'<rect x="{left + ci * cw:.1f}" y="{y}" width="{cw - 3:.1f}" height="{ch - 3}" rx="4" '
                        f'fill="#e5484d" fill-opacity="{shade:.2f}"><title>{escape(f)} → {escape(t)}: {n} conversations, '
                        f'{r["customers"] if r else 0} customers</title></rect>'
                        f'<text x="{left + ci * cw + cw / 2:.1f}" y="{y + ch / 2 + 3:.1f}" text-anchor="middle">{n}</text>')
    return _svg(body, title, height)


def empty(title: str) -> str:
    return _svg([f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#888">No data in this period</text>'],
                title)
