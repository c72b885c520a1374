"""Charts of the statistics page as inline SVG, rendered on the server (no chart library, no CDN).
Each chart carries a title and a text description for screen readers."""
from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#1f4e79", "#b35900", "#2e7d32", "#6a1b9a")


def grouped_bars(title: str, labels: list[str], series: dict[str, list[int]], width: int = 720,
                 height: int = 240) -> Markup:
    """Vertical bars, one group per label (e.g. hour of day), one colour per series (e.g. channel)."""
    top, bottom, left, right = 28, 36, 36, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1, *(v for values in series.values() for v in values)])
    group_w = plot_w / max(1, len(labels))
    bar_w = max(1.0, (group_w - 2) / max(1, len(series)))
    parts = [f'<text x="{left}" y="16" class="chart-title">{escape(title)}</text>']
    for tick in (0, peak // 2, peak):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>')
    for i, label in enumerate(labels):
        x0 = left + i * group_w + 1
        for j, (name, values) in enumerate(series.items()):
            v = values[i]
            h = plot_h * v / peak
            parts.append(f'<rect x="{x0 + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(name)} '
                         f'{escape(label)}: {v}</title></rect>')
        if len(labels) <= 24:
            parts.append(f'<text x="{x0 + group_w / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                         f'class="tick">{escape(label)}</text>')
    for j, name in enumerate(series):
        parts.append(f'<rect x="{left + j * 110}" y="{height - 14}" width="10" height="10" '
                     f'fill="{PALETTE[j % len(PALETTE)]}"/><text x="{left + j * 110 + 14}" y="{height - 5}" '
                     f'class="tick">{escape(name)}</text>')
    summary = "; ".join(f"{name}: {sum(values)}" for name, values in series.items())
    return _svg(title, summary, width, height, parts)


def horizontal_bars(title: str, items: list[tuple[str, int]], width: int = 720) -> Markup:
    """One labelled horizontal bar per item (e.g. escalations by reason)."""
    row, top, left = 22, 28, 220
    height = top + row * max(1, len(items)) + 8
    peak = max([1, *(v for _, v in items)])
    parts = [f'<text x="8" y="16" class="chart-title">{escape(title)}</text>']
    if not items:
        parts.append(f'<text x="8" y="{top + 14}" class="tick">nincs adat / no data</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = (width - left - 60) * value / peak
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" class="tick">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>'
                     f'<text x="{left + w + 4:.1f}" y="{y + 15}" class="tick">{value}</text>')
    summary = "; ".join(f"{label}: {value}" for label, value in items) or "no data"
    return _svg(title, summary, width, height, parts)


def _svg(title: str, summary: str, width: int, height: int, parts: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}" class="chart">' + "".join(parts) + "</svg>"
    )


def rate_bars(title: str, items: list[tuple[str, float | None, int]], width: int = 720) -> Markup:
    """One horizontal bar per item for a share (0..1): (label, share or None, out of how many);
    a group with nothing to count shows "–" instead of a bar."""
    row, top, left = 22, 28, 220
    height = top + row * max(1, len(items)) + 8
    span = width - left - 90
    parts = [f'<text x="8" y="16" class="chart-title">{escape(title)}</text>']
    for i, (label, share, base) in enumerate(items):
        y = top + i * row
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" class="tick">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{span}" height="{row - 6}" class="track"/>')
        if share is None:
            parts.append(f'<text x="{left + 4}" y="{y + 15}" class="tick">–</text>')
            continue
        w = span * max(0.0, min(1.0, share))
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[2]}"/>'
                     f'<text x="{left + span + 4}" y="{y + 15}" class="tick">{share * 100:.0f} % ({base})</text>')
    summary = "; ".join(f"{label}: {'–' if share is None else f'{share * 100:.0f} %'}" for label, share, _ in items) or "no data"
    return _svg(title, summary, width, height, parts)
