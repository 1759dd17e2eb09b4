"""The violence profile's files: a map of violence by neighbourhood, the hours of the week, the
trend, and a workbook; matplotlib alone (no base map, no network), hospital counts as the
answer model holds them (already suppressed)."""

from __future__ import annotations

import io
import itertools
import math
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from oversight.answers.violence import ViolenceAnswer
from oversight.figures.crime import month_label
from oversight.figures.suppression import Shown
from oversight.render.charts import synthetic_mark
from oversight.render.violence import n
from oversight.render.words import SYNTHETIC_MARK
from oversight.render.workbook import WorkbookFile, answer_workbook

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BLUE, RED = "#1f77b4", "#c0392b"
NO_POLICE_FILE = "no police file"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def new_figure(**subplots: object) -> tuple[Figure, object]:
    """A figure of its own and its axes (``Figure.subplots``'s arguments), drawn by Agg: no
    pyplot, so no display and nothing shared between the threads that draw (as in charts)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figsize = subplots.pop("figsize")
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)  # the canvas the labels are measured on (_separate)
    return fig, fig.subplots(**subplots)


def _png(fig: object, answer: ViolenceAnswer, watermark: bool = True, whole: bool = False) -> bytes:
    # The mark across a picture would tint a grid whose colours are its counts: there, the
    # line beneath says it alone.
    if answer.synthetic and watermark:
        synthetic_mark(fig)
    if answer.synthetic:
        fig.text(0.01, 0.005, f"{SYNTHETIC_MARK}.", fontsize=8, color="#555555")  # type: ignore[attr-defined]
    out = io.BytesIO()
    # whole: the picture grown or trimmed to what is drawn, for a frame whose shape is fixed
    # (a map's), which the layout cannot always fit beside its title.
    extent = {"bbox_inches": "tight", "pad_inches": 0.15} if whole else {}
    fig.savefig(out, format="png", dpi=100, **extent)  # type: ignore[attr-defined]
    return out.getvalue()


def _separate(fig: object, labels: list, rounds: int = 40) -> None:
    """Move the local authorities' names apart, up and down, until none overlaps another (two
    centres close together would otherwise print one name over the other)."""
    if len(labels) < 2:
        return
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = labels[0].axes
    for _ in range(rounds):
        moved = False
        boxes = [t.get_window_extent(renderer).expanded(1.05, 1.15) for t in labels]
        for i, j in itertools.combinations(range(len(labels)), 2):
            a, b = boxes[i], boxes[j]
            if not a.overlaps(b):
                continue
            # Push the lower one down and the upper one up, by half the overlap each.
            lower, upper = (i, j) if a.y0 + a.y1 <= b.y0 + b.y1 else (j, i)
            step = (min(a.y1, b.y1) - max(a.y0, b.y0)) / 2 + 1
            for k, sign in ((lower, -1), (upper, 1)):
                x, y = ax.transData.transform(labels[k].get_position())
                labels[k].set_position(ax.transData.inverted().transform((x, y + sign * step)))
            moved = True
            break
        if not moved:
            return


def _whole_numbers() -> object:
    """Ticks for a scale of counts: whole numbers only, however few the counts."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def violence_map(answer: ViolenceAnswer) -> bytes:
    """Each neighbourhood's representative point, sized and coloured by its 12-month violence;
    local-authority names at their centres (moved apart where they would overlap); a scale bar
    and a north arrow. Sized to read at Slack's preview (about 360 pixels wide)."""
    police = answer.police
    places = police.places
    size = (8.0, 7.0)
    if places:  # the figure takes the map's shape, so the preview is not half margin
        lat0 = sum(p.latitude for p in places) / len(places)
        wide = max(p.longitude for p in places) - min(p.longitude for p in places) + 0.06
        high = max(p.latitude for p in places) - min(p.latitude for p in places) + 0.04
        shape = wide * math.cos(math.radians(lat0)) / high
        size = (9.0, min(max(6.4 / shape + 1.4, 4.5), 9.0))
    fig, ax = new_figure(figsize=size)
    if places:
        top = max(p.violence for p in places) or 1
        lat0 = sum(p.latitude for p in places) / len(places)
        stretch = 1 / math.cos(math.radians(lat0))
        order = sorted(places, key=lambda p: p.violence)
        dots = ax.scatter(
            [p.longitude for p in order],
            [p.latitude for p in order],
            s=[12 + 260 * p.violence / top for p in order],
            c=[p.violence for p in order],
            cmap="YlOrRd",
            edgecolors="#555555",
            linewidths=0.3,
            alpha=0.85,
        )
        bar = fig.colorbar(dots, ax=ax, shrink=0.7, ticks=_whole_numbers())
        bar.set_label("Violence and sexual offences, 12 months", fontsize=12)
        bar.ax.tick_params(labelsize=11)
        # At least 2 km either way, so that a few points close together still make a map.
        xs, ys = [p.longitude for p in places], [p.latitude for p in places]
        half = max((max(xs) - min(xs)) / 2 * 1.15, 0.03)
        half_y = max((max(ys) - min(ys)) / 2 * 1.15, 0.02)
        ax.set_xlim((max(xs) + min(xs)) / 2 - half, (max(xs) + min(xs)) / 2 + half)
        ax.set_ylim((max(ys) + min(ys)) / 2 - half_y, (max(ys) + min(ys)) / 2 + half_y)
        ax.set_aspect(stretch, adjustable="box")  # the frame takes the map's shape
        centres: dict[str, list[tuple[float, float]]] = {}
        for p in places:
            centres.setdefault(p.local_authority, []).append((p.longitude, p.latitude))
        labels = []
        for la, points in sorted(centres.items()):
            x = sum(a for a, _ in points) / len(points)
            y = sum(b for _, b in points) / len(points)
            labels.append(ax.text(x, y, la, ha="center", va="center", fontsize=14,
                                  weight="bold", color="#1f3b73", zorder=4,
                                  bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                        "alpha": 0.75, "lw": 0}))  # fmt: skip
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        km = 111.32 * math.cos(math.radians(lat0))  # km per degree of longitude here
        length = 5 if (x1 - x0) * km > 12 else 1
        bx, by = x0 + (x1 - x0) * 0.05, y0 + (y1 - y0) * 0.05
        ax.plot([bx, bx + length / km], [by, by], color="black", lw=4)
        ax.text(bx + length / km / 2, by + (y1 - y0) * 0.02, f"{length} km", ha="center",
                fontsize=13)  # fmt: skip
        ax.annotate("N", xy=(x1 - (x1 - x0) * 0.06, y1 - (y1 - y0) * 0.05),
                    xytext=(x1 - (x1 - x0) * 0.06, y1 - (y1 - y0) * 0.18), ha="center",
                    fontsize=15, weight="bold",
                    arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 2.5})  # fmt: skip
        fig.tight_layout()
        _separate(fig, labels)
    else:
        ax.text(0.5, 0.5, "No neighbourhood held", ha="center", transform=ax.transAxes)
    when = f"12 months to {month_label(police.month)}" if police.month else "no data held"
    ax.set_title(f"Violence by neighbourhood, {when}\n{police.force or ''}".strip(),
                 fontsize=14)  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return _png(fig, answer, whole=True)


def hours_chart(answer: ViolenceAnswer) -> bytes:
    """A 7 × 24 grid of hospital assaults (suppressed cells hatched, not coloured)."""
    from matplotlib.patches import Rectangle

    fig, ax = new_figure(figsize=(10, 3.8))
    h = answer.hospital
    grid = h.grid if h is not None else [[0] * 24 for _ in DAYS]
    values = [[c if isinstance(c, int) else float("nan") for c in day] for day in grid]
    # From 0, so that an hour with none is white even when no hour shown has any.
    top = max([*(c for day in grid for c in day if isinstance(c, int)), 1])
    image = ax.imshow(values, cmap="Reds", aspect="auto", vmin=0, vmax=top)
    for d, day in enumerate(grid):
        for hour, c in enumerate(day):
            if not isinstance(c, int):
                ax.add_patch(Rectangle((hour - 0.5, d - 0.5), 1, 1, fill=False,
                                           hatch="///", color="#999999", lw=0))  # fmt: skip
    ax.set_yticks(range(7), DAYS)
    ax.set_xticks(range(0, 24, 2), [f"{x:02d}" for x in range(0, 24, 2)])
    ax.set_xlabel("Hour of the incident (else of arrival)")
    fig.colorbar(image, ax=ax, label="Assault attendances", ticks=_whole_numbers())
    if h is None:
        ax.text(11.5, 3, "No hospital assault attendances held", ha="center", va="center")
    when = f"12 months to {month_label(h.month)}" if h is not None else "no data held"
    ax.set_title(f"Hospital assault attendances by hour of the week, {when}\n"
                 "hatched: fewer than 5, or not shown to protect one")  # fmt: skip
    fig.tight_layout()
    return _png(fig, answer, watermark=False)


@dataclass(frozen=True)
class Trend:
    """What the trend draws, month by month (None: nothing drawn for that month), and the runs
    of months shaded as data gaps with what each says: a month a department did not send is a
    gap, never a fall."""

    months: list[str]
    police: list[int | None]
    police_low: list[bool]  # a low police file: marked, as /crime flags it
    hospital: list[int | None]
    knife_share: list[float | None]
    gaps: list[tuple[int, int, str]] = field(default_factory=list)  # first, last index, words


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in sorted(indexes):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def trend_series(answer: ViolenceAnswer) -> Trend:
    police = {m.month: m for m in answer.police.violence.monthly}
    h = answer.hospital
    months = [m.month for m in h.months] if h is not None else list(police)
    hospital = {m.month: m for m in h.months} if h is not None else {}
    silent: dict[str, list[str]] = {}
    for gap in h.gaps if h is not None else []:
        for m in gap.months:
            silent.setdefault(m, []).append(gap.department)

    def counted(m: str, attr: str) -> int | float | None:
        got = getattr(hospital[m], attr) if m in hospital else None
        return got if isinstance(got, int | float) and m not in silent else None

    gaps = []
    no_file = [i for i, m in enumerate(months) if police.get(m) and police[m].crimes is None]
    gaps += [(a, b, NO_POLICE_FILE) for a, b in _runs(no_file)]
    for a, b in _runs([i for i, m in enumerate(months) if m in silent]):
        names = sorted({d for m in months[a : b + 1] for d in silent[m]})
        who = names[0] if len(names) == 1 else f"{len(names)} departments"
        gaps.append((a, b, f"{who} sent nothing"))
    return Trend(
        months,
        [police[m].crimes if m in police else None for m in months],
        [bool(police[m].low) if m in police else False for m in months],
        [counted(m, "attendances") for m in months],  # type: ignore[misc]
        [counted(m, "knife_share") for m in months],
        gaps,
    )


def trend_chart(answer: ViolenceAnswer) -> bytes:
    """Police violence and hospital assaults by month over 24 months, the knife share beneath;
    a month without data (no police file, or a department that sent nothing) is shaded and
    drawn as a gap, not as a fall."""
    t = trend_series(answer)
    fig, (top, bottom) = new_figure(nrows=2, ncols=1, figsize=(10, 6.4), sharex=True,
                                    gridspec_kw={"height_ratios": [2, 1]})  # fmt: skip
    xs = list(range(len(t.months)))
    nan = float("nan")

    def line(values: list) -> list[float]:
        return [nan if v is None else v for v in values]

    top.plot(xs, line(t.police), marker="o", color=BLUE, label="Police: violence and sexual "
             "offences (left axis)")  # fmt: skip
    low = [i for i in xs if t.police_low[i] and t.police[i] is not None]
    if low:
        top.scatter(low, [t.police[i] for i in low], s=110, facecolors="white", zorder=3,
                    edgecolors=BLUE, linewidths=2, label="Police: a low file")  # fmt: skip
    top.set_ylabel("Police-recorded", color=BLUE)
    top.set_ylim(0, max([v for v in t.police if v is not None] or [1]) * 1.12)
    handles, labels = top.get_legend_handles_labels()
    if answer.hospital is not None:
        top2 = top.twinx()
        top2.plot(xs, line(t.hospital), marker="s", color=RED,
                  label="Hospital assault attendances (right axis)")  # fmt: skip
        top2.set_ylabel("Hospital attendances", color=RED)
        top2.set_ylim(0, max([v for v in t.hospital if v is not None] or [1]) * 1.12)
        bottom.bar(xs, line(t.knife_share), color="#7f8c8d")
        shares = [v for v in t.knife_share if v is not None]
        bottom.set_ylim(0, max([*shares, 1]) * 1.15)
        if not shares:
            bottom.text(0.5, 0.5, "No month's knife share may be shown (fewer than 5, or "
                        "withheld to protect one)", ha="center", va="center", fontsize=9,
                        color="#555555", transform=bottom.transAxes)  # fmt: skip
        more = top2.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    for first, last, words in t.gaps:
        # A month without a police file leaves the hospital's knife share standing beneath.
        for ax in (top,) if words == NO_POLICE_FILE else (top, bottom):
            ax.axvspan(first - 0.45, last + 0.45, color="#d9d9d9", zorder=0, lw=0)
        top.text((first + last) / 2, top.get_ylim()[1] * 0.03, textwrap.fill(words, 22),
                 rotation=90, ha="center", va="bottom", fontsize=8.5, color="#333333",
                 linespacing=1.1)  # fmt: skip
    bottom.set_ylabel("Knife share %")
    labels_x = [month_label(m)[:3] + " " + m[2:4] for m in t.months]
    bottom.set_xticks(xs[::2], labels_x[::2], rotation=45)
    fig.legend(handles, labels, loc="upper center", ncol=3, frameon=False,
               bbox_to_anchor=(0.5, 0.945), fontsize=9)  # fmt: skip
    if not t.months:
        top.text(0.5, 0.5, "No police-recorded crime or hospital attendances held", ha="center",
                 va="center", transform=top.transAxes)  # fmt: skip
    when = f"24 months to {month_label(t.months[-1])}" if t.months else "no data held"
    fig.suptitle(f"Violence by month, {when} (shaded: no data that month, not a fall)",
                 y=0.99)  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return _png(fig, answer)


def _cell(value: Shown | None) -> int | str:
    """A count as a spreadsheet holds it: a number when shown (it can be summed), else the
    words that stand for it ("fewer than 5", "not shown", "no data")."""
    return value if isinstance(value, int) else n(value)


def workbook(answer: ViolenceAnswer) -> bytes:
    """Hotspots, areas, months and hospital locations (suppressed), one sheet each."""
    from openpyxl import Workbook

    from oversight.values import spreadsheet_safe

    book = Workbook()
    sheets = {
        "Hotspots": (["Neighbourhood", "Code", "Local authority", "Violence", "Share %",
                      "Change %"],
                     [[h.name, h.code, h.local_authority, h.violence, h.share, h.change_percent]
                      for h in answer.police.hotspots]),
        "Areas": (["Local authority", "Violence", "12 months before", "Change %", "Robbery",
                   "Weapons"],
                  [[a.local_authority, a.violence, a.violence_before, a.change_percent,
                    a.robbery, a.weapons] for a in answer.police.authorities]),
    }  # fmt: skip
    h = answer.hospital
    if h is not None:
        sheets["Months"] = (
            ["Month", "Hospital attendances", "Knife", "Knife share %", "Departments sending"],
            [[m.month, _cell(m.attendances), _cell(m.knife), m.knife_share, m.departments]
             for m in h.months],
        )  # fmt: skip
        sheets["Hospital locations"] = (
            ["Location", "Attendances", "Share %"],
            [[c.what, _cell(c.attendances), c.share] for c in h.places],
        )
    first = True
    for name, (header, rows) in sheets.items():
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = name
        if answer.synthetic:
            sheet.append([f"{SYNTHETIC_MARK}."])
        sheet.append(header)
        for row in rows:
            sheet.append([spreadsheet_safe(c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@answer_workbook.register
def profile_workbook(answer: ViolenceAnswer) -> WorkbookFile:
    """The profile's workbook as it is sent: with the monthly post, and under ``/violence``."""
    stamp = f"{answer.as_of:%Y-%m}"
    return f"violence-profile-{stamp}.xlsx", "Violence profile figures", workbook(answer)


def profile_files(answer: ViolenceAnswer) -> list[tuple[str, str, bytes]]:
    """(file name, title, content) of each file of the monthly profile."""
    stamp = f"{answer.as_of:%Y-%m}"
    return [
        (f"violence-map-{stamp}.png", "Violence by neighbourhood", violence_map(answer)),
        (f"violence-hours-{stamp}.png", "Hospital assaults by hour of the week",
         hours_chart(answer)),
        (f"violence-trend-{stamp}.png", "Violence by month", trend_chart(answer)),
        profile_workbook(answer),
    ]  # fmt: skip
