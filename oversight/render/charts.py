"""The digest's chart: reviews outstanding, with the projection, beside reviews done each week.

Matplotlib is imported inside the functions, so importing oversight stays fast, and only its
object-oriented API is used (no pyplot): no display, no global state shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from typing import TYPE_CHECKING

from oversight.answers.digest import DigestAnswer
from oversight.figures.backlog import week_start
from oversight.figures.crime import month_label
from oversight.render.crime_words import month_runs, twelve_months_change
from oversight.render.words import (
    count,
    day,
    projection,
    rate,
    signed_change,
    stale_warning,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Okabe–Ito colours, told apart with every common colour-vision deficiency; styles differ too.
BLUE, VERMILLION, SKY, ORANGE, INK = "#0072B2", "#D55E00", "#56B4E9", "#E69F00", "#333333"
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 150  # 1200 × 675 px, the shape Slack previews
# A projection years away would squash the history into a sliver: past this it runs off the edge.
MAX_PROJECTION = timedelta(weeks=104)


@dataclass(frozen=True)
class ChartData:
    """The series the chart plots, in plain values, so tests can hold them against the figures."""

    title: str
    subtitle: str
    outstanding: list[tuple[date, int]]  # end of each complete week, then the as-of date
    projection: list[tuple[date, int]]  # from the last point to zero; empty when none
    completed: list[tuple[date, int]]  # (week beginning, reviews completed) per complete week
    four_week_mean: float
    x_end: date  # where the outstanding panel ends

    @property
    def projection_off_chart(self) -> bool:
        return bool(self.projection) and self.projection[-1][0] > self.x_end


def chart_data(digest: DigestAnswer) -> ChartData:
    """What the chart shows, taken from the digest alone: the chart and the digest agree."""
    trend = digest.backlog.trend
    outstanding = [(p.day, p.outstanding) for p in digest.history]
    line: list[tuple[date, int]] = []
    x_end = digest.as_of
    if trend.projected_completion is not None:
        start = outstanding[-1] if outstanding else (digest.as_of, trend.outstanding)
        line = [start, (trend.projected_completion, 0)]
        x_end = min(trend.projected_completion, digest.as_of + MAX_PROJECTION)
        headline = f"Projected to clear {projection(trend)}, the mean of the last four weeks."
    else:
        words = projection(trend)
        headline = f"{words[0].upper()}{words[1:]}."
    change = signed_change(trend.change_over_week)
    lines = [f"{count(trend.outstanding)} outstanding, {change} in seven days.", headline]
    warning = stale_warning("cases", digest.sources.get("cases"), digest.as_of)
    if digest.sources.get("cases") is None:
        lines = []  # with no data, "complete: nothing outstanding" would mislead
    if warning:
        lines.append(warning)
    return ChartData(
        title=_marked(f"Case reviews outstanding, as of {day(digest.as_of)}", digest),
        subtitle="\n".join(lines),
        outstanding=outstanding,
        projection=line,
        completed=[(w.week_start, w.completed) for w in digest.weeks],
        four_week_mean=trend.four_week_mean,
        x_end=x_end,
    )


def digest_chart(digest: DigestAnswer) -> bytes:
    """The digest's chart as a PNG, the same bytes for the same digest."""
    from matplotlib.figure import Figure

    data = chart_data(digest)
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    head, body = fig.subfigures(2, 1, height_ratios=[1.25, 5])
    head.text(0.012, 0.97, data.title, fontsize=15, fontweight="bold", color=INK, va="top")
    head.text(0.012, 0.58, data.subtitle, fontsize=10, color=INK, va="top", linespacing=1.3)
    left, right = body.subplots(1, 2, width_ratios=[3, 2])
    _outstanding_panel(left, data)
    _completed_panel(right, data)
    if digest.synthetic:
        synthetic_mark(fig)
    buffer = BytesIO()
    # No Software (version) entry; matplotlib writes no time: the same digest, the same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _outstanding_panel(ax: Axes, data: ChartData) -> None:
    days = [d for d, _ in data.outstanding]
    values = [v for _, v in data.outstanding]
    start = days[0] if days else data.x_end
    ax.plot(
        _num(days),
        values,
        color=BLUE,
        linewidth=2.2,
        marker="o",
        markersize=3,
        label="Outstanding at the end of each week",
    )
    if days:
        ax.annotate(
            count(values[-1]),
            (_num([days[-1]])[0], values[-1]),
            xytext=(4, 6),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
            color=BLUE,
        )
    if data.projection:
        end = data.projection[-1][0]
        where = " (off the chart)" if data.projection_off_chart else ""
        ax.plot(
            _num([d for d, _ in data.projection]),
            [v for _, v in data.projection],
            color=VERMILLION,
            linewidth=2,
            linestyle=(0, (5, 3)),
            label=f"Projection: clears {day(end)}{where}",
        )
    # Without a projection, room on the right for the last value's label.
    room = 0.03 if data.projection else 0.12
    top = max(values, default=0)
    _style(ax, start, data.x_end, top, "Reviews outstanding", most_ticks=6, right_pad=room)
    ax.set_title("Reviews outstanding, both workstreams", fontsize=10.5, loc="left")
    ax.set_xlabel("Date", fontsize=9.5)
    ax.legend(loc="best", fontsize=9, frameon=False)


def _completed_panel(ax: Axes, data: ChartData) -> None:
    weeks = [d for d, _ in data.completed]
    values = [v for _, v in data.completed]
    ax.bar(
        _num(weeks),
        values,
        width=5,
        color=SKY,
        edgecolor=BLUE,
        linewidth=0.6,
        label="Completed in the week",
    )
    if len(weeks) >= 4:
        span = _num([weeks[-4] - timedelta(days=3), weeks[-1] + timedelta(days=3)])
        mean = data.four_week_mean
        ax.plot(
            span,
            [mean, mean],
            color=ORANGE,
            linewidth=2.5,
            linestyle=(0, (2, 1.5)),
            label=f"Four-week mean: {rate(mean)}",
        )
    first = weeks[0] if weeks else data.x_end
    last = weeks[-1] if weeks else data.x_end
    top = max([*values, data.four_week_mean], default=0)
    ax_end = last + timedelta(days=4)
    _style(ax, first - timedelta(days=4), ax_end, top * 1.25, "Reviews completed", most_ticks=4)
    if not any(values):
        message = "No reviews completed\nin these weeks"
        ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", fontsize=10, color=INK)
    ax.set_title("Reviews completed each week", fontsize=10.5, loc="left")
    ax.set_xlabel("Week beginning", fontsize=9.5)
    ax.legend(loc="upper left", fontsize=9, frameon=False)


def _style(
    ax: Axes,
    start: date,
    end: date,
    top: float,
    ylabel: str,
    *,
    most_ticks: int,
    right_pad: float = 0.03,
) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

    span = end - start
    pad, right = (max(timedelta(days=3), span * share) for share in (0.03, right_pad))
    lo, hi = _num([start - pad, end + right])
    ax.set_xlim(lo, hi)
    ticks = _date_ticks(start, end, most_ticks)
    ax.xaxis.set_major_locator(FixedLocator(_num(ticks)))
    ax.set_xticklabels(_tick_labels(ticks))
    ax.set_ylim(0, max(top * 1.12, 1))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel(ylabel, fontsize=9.5)
    ax.tick_params(labelsize=9.5)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _num(days: list[date]) -> list[float]:
    from matplotlib.dates import date2num

    return [float(date2num(d)) for d in days]


def _date_ticks(start: date, end: date, most: int) -> list[date]:
    """Mondays a week or more apart for short spans, else the first of every n months."""
    # Counted back from the last Monday, so the latest week always has a tick.
    last = week_start(end)
    for weeks in (1, 2, 4, 8):
        ticks = [last - timedelta(weeks=weeks * i) for i in range((last - start).days // 7 + 1)]
        ticks = sorted(t for t in ticks if t >= start)
        if len(ticks) <= most:
            return ticks
    firsts = []  # the first of each month in the span
    year, month = start.year, start.month
    while (first := date(year, month, 1)) <= end:
        if first >= start:
            firsts.append(first)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for months in (1, 2, 3, 6, 12, 24, 60):
        ticks = [t for t in firsts if (t.year * 12 + t.month - 1) % months == 0]
        if len(ticks) <= most:
            return ticks
    return [start, end]


def _tick_labels(ticks: list[date]) -> list[str]:
    """ "6 Jan", with the year under the first tick and under the first tick of each new year."""
    labels = []
    for i, tick in enumerate(ticks):
        label = f"{tick.day} {tick:%b}"
        if i == 0 or tick.year != ticks[i - 1].year:
            label += f"\n{tick.year}"
        labels.append(label)
    return labels


# --- the digest's second chart: recorded crime, this year against last -------------------------


@dataclass(frozen=True)
class CrimeChartData:
    """Monthly recorded crime for the 24 months to the digest's month, in plain values."""

    title: str
    subtitle: str
    labels: list[str]  # the last 12 months, "Jan", with the year where it starts or turns
    this_year: list[int | None]  # the 12 months to the month (None: no file)
    last_year: list[int | None]  # the 12 before them
    missing: list[str]  # months with no file, "2019-10"
    low: list[str]  # low months
    low_points: list[tuple[int, int]]  # (position 0-11, crimes) of each low month, either year
    this_label: str = ""  # "Jun 2019–May 2020", the legend's
    last_label: str = ""  # "Jun 2018–May 2019"
    # Each position (0-11) with a month missing, and its shaded band's label: "no file: Oct
    # 2019", or "no file: Jul 2018 and Jul 2019" when neither year has that month.
    bands: list[tuple[int, str]] = field(default_factory=list)
    note: str = ""  # "A month is missing: no file for October 2019 (shaded)."
    synthetic: bool = False  # from the demo's invented records: marked on the picture


def _span(first: str, last: str) -> str:
    """ "Jun 2019–May 2020"."""
    return f"{_short_month(first)}–{_short_month(last)}"


def _short_month(month: str) -> str:
    return f"{date.fromisoformat(month + '-01'):%b %Y}"


def crime_chart_data(digest: DigestAnswer) -> CrimeChartData | None:
    """What the crime chart shows, from the digest alone; None without recorded crime."""
    crime = digest.crime
    if crime is None or crime.month is None or len(crime.monthly) < 24:
        return None
    last, this = crime.monthly[:12], crime.monthly[12:]
    labels = []
    for i, m in enumerate(this):
        first = date.fromisoformat(m.month + "-01")
        labels.append(f"{first:%b}\n{first.year}" if i == 0 or first.month == 1 else f"{first:%b}")
    missing = [m.month for m in crime.monthly if m.missing]
    # One band a month of the year, naming each year it has no file for: two labels drawn at
    # one place would print over each other.
    absent: dict[int, list[str]] = {}
    for i, m in enumerate(crime.monthly):
        if m.missing:
            absent.setdefault(i % 12, []).append(_short_month(m.month))
    bands = [(i, f"no file: {' and '.join(months)}") for i, months in sorted(absent.items())]
    notes = []
    if missing:
        which = "A month is missing" if len(missing) == 1 else "Months are missing"
        notes.append(f"{which}: no file for {month_runs(missing, shown=2)} (shaded).")
    low = [month_label(m.month) for m in crime.monthly if m.low]
    if low:
        notes.append(f"Low: {', '.join(low)} (circled).")
    return CrimeChartData(
        title=_marked(f"Recorded crime, {crime.force}, to {month_label(crime.month)}", digest),
        subtitle=twelve_months_change(crime) + ".",
        labels=labels,
        this_year=[m.crimes for m in this],
        last_year=[m.crimes for m in last],
        missing=missing,
        low=low,
        low_points=[(i % 12, m.crimes or 0) for i, m in enumerate(crime.monthly) if m.low],
        this_label=_span(this[0].month, this[-1].month),
        last_label=_span(last[0].month, last[-1].month),
        bands=bands,
        note=" ".join(notes),
        synthetic=digest.synthetic,
    )


def crime_chart(digest: DigestAnswer) -> bytes | None:
    """The recorded-crime chart as a PNG (the same bytes for the same digest), or None."""
    import textwrap

    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    data = crime_chart_data(digest)
    if data is None:
        return None
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    # A long force's name, or the SYNTHETIC mark, must not run off the picture's edge.
    size = min(14.0, 14.0 * 58 / len(data.title))
    fig.suptitle(data.title, fontsize=size, fontweight="bold", color=INK, x=0.01, ha="left")
    subtitle = textwrap.fill(data.subtitle, 105)
    if data.note:
        subtitle += "\n" + data.note
    ax.set_title(subtitle, fontsize=9, loc="left", color=INK, linespacing=1.35)
    x = list(range(12))
    top = max([v for v in data.this_year + data.last_year if v is not None], default=1)
    ax.set_ylim(0, top * 1.2)
    for i, label in data.bands:  # a missing month: a shaded band, labelled, never a zero
        ax.axvspan(i - 0.42, i + 0.42, color="#d9d9d9", alpha=0.7, linewidth=0, zorder=0)
        ax.text(
            i,
            top * 1.17,
            label.replace(": ", ":\n").replace(" and ", "\n"),
            ha="center",
            va="top",
            fontsize=8,
            color=INK,
            zorder=3,
        )
    for values, colour, style, label in (
        (data.last_year, SKY, (0, (5, 3)), data.last_label),
        (data.this_year, BLUE, "solid", data.this_label),
    ):
        shown = [float("nan") if v is None else v for v in values]
        ax.plot(x, shown, color=colour, linestyle=style, linewidth=2.2, marker="o", label=label)
    for i, v in data.low_points:
        ax.plot([i], [v], "o", color=VERMILLION, markersize=12, fillstyle="none", mew=2)
    ax.set_xticks(x, data.labels)
    ax.set_xlim(-0.6, 11.6)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("Recorded crimes in the month", fontsize=9.5)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    if data.synthetic:
        synthetic_mark(fig)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def synthetic_mark(fig: object) -> None:
    """SYNTHETIC across the picture, faint, behind nothing a reader needs."""
    fig.text(  # type: ignore[attr-defined]
        0.5,
        0.42,
        "SYNTHETIC",
        fontsize=72,
        color=VERMILLION,
        alpha=0.10,
        rotation=18,
        ha="center",
        va="center",
        fontweight="bold",
    )


def _marked(title: str, digest: DigestAnswer) -> str:
    """A chart's title, led by SYNTHETIC when the digest is made from the demo's records."""
    return f"SYNTHETIC — {title}" if digest.synthetic else title
