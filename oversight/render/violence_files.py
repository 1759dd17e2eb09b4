"""The violence profile's files: a map of violence by neighbourhood, the hours of the week, the
trend, and a workbook; matplotlib alone (no base map, no network), hospital counts as the
answer model holds them (already suppressed)."""

from __future__ import annotations

import io
import math

from oversight.answers.violence import ViolenceAnswer
from oversight.figures.crime import month_label
from oversight.figures.suppression import FEWER
from oversight.render.violence import n

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: object) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100)  # type: ignore[attr-defined]
    _pyplot().close(fig)
    return out.getvalue()


def violence_map(answer: ViolenceAnswer) -> bytes:
    """Each neighbourhood's representative point, sized and coloured by its 12-month violence;
    local-authority names at their centres; a scale bar and a north arrow."""
    plt = _pyplot()
    police = answer.police
    places = police.places
    fig, ax = plt.subplots(figsize=(8, 7))
    if places:
        top = max(p.violence for p in places) or 1
        lat0 = sum(p.latitude for p in places) / len(places)
        stretch = 1 / math.cos(math.radians(lat0))
        order = sorted(places, key=lambda p: p.violence)
        dots = ax.scatter(
            [p.longitude for p in order],
            [p.latitude for p in order],
            s=[8 + 220 * p.violence / top for p in order],
            c=[p.violence for p in order],
            cmap="YlOrRd",
            edgecolors="#555555",
            linewidths=0.3,
            alpha=0.85,
        )
        fig.colorbar(dots, ax=ax, shrink=0.7, label="Violence and sexual offences, 12 months")
        # At least 2 km either way, so that a few points close together still make a map.
        xs, ys = [p.longitude for p in places], [p.latitude for p in places]
        half = max((max(xs) - min(xs)) / 2 * 1.1, 0.03)
        half_y = max((max(ys) - min(ys)) / 2 * 1.1, 0.02)
        ax.set_xlim((max(xs) + min(xs)) / 2 - half, (max(xs) + min(xs)) / 2 + half)
        ax.set_ylim((max(ys) + min(ys)) / 2 - half_y, (max(ys) + min(ys)) / 2 + half_y)
        ax.set_aspect(stretch, adjustable="datalim")
        centres: dict[str, list[tuple[float, float]]] = {}
        for p in places:
            centres.setdefault(p.local_authority, []).append((p.longitude, p.latitude))
        for la, points in centres.items():
            x = sum(a for a, _ in points) / len(points)
            y = sum(b for _, b in points) / len(points)
            ax.annotate(la, (x, y), ha="center", va="center", fontsize=10, weight="bold",
                        color="#1f3b73", bbox={"boxstyle": "round,pad=0.2", "fc": "white",
                                               "alpha": 0.7, "lw": 0})  # fmt: skip
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        km = 111.32 * math.cos(math.radians(lat0))  # km per degree of longitude here
        length = 5 if (x1 - x0) * km > 12 else 1
        bx, by = x0 + (x1 - x0) * 0.05, y0 + (y1 - y0) * 0.05
        ax.plot([bx, bx + length / km], [by, by], color="black", lw=3)
        ax.text(bx + length / km / 2, by + (y1 - y0) * 0.015, f"{length} km", ha="center")
        ax.annotate("N", xy=(x1 - (x1 - x0) * 0.06, y1 - (y1 - y0) * 0.05),
                    xytext=(x1 - (x1 - x0) * 0.06, y1 - (y1 - y0) * 0.16), ha="center",
                    fontsize=12, weight="bold",
                    arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 2})  # fmt: skip
    else:
        ax.text(0.5, 0.5, "No neighbourhood held", ha="center", transform=ax.transAxes)
    month = month_label(police.month) if police.month else ""
    ax.set_title(f"Violence by neighbourhood, 12 months to {month}\n{police.force or ''}")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return _png(fig)


def hours_chart(answer: ViolenceAnswer) -> bytes:
    """A 7 × 24 grid of hospital assaults (suppressed cells hatched, not coloured)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 3.8))
    h = answer.hospital
    grid = h.grid if h is not None else [[0] * 24 for _ in DAYS]
    values = [[c if isinstance(c, int) else float("nan") for c in day] for day in grid]
    image = ax.imshow(values, cmap="Reds", aspect="auto")
    for d, day in enumerate(grid):
        for hour, c in enumerate(day):
            if not isinstance(c, int):
                ax.add_patch(plt.Rectangle((hour - 0.5, d - 0.5), 1, 1, fill=False,
                                           hatch="///", color="#999999", lw=0))  # fmt: skip
    ax.set_yticks(range(7), DAYS)
    ax.set_xticks(range(0, 24, 2), [f"{x:02d}" for x in range(0, 24, 2)])
    ax.set_xlabel("Hour of the incident (else of arrival)")
    fig.colorbar(image, ax=ax, label="Assault attendances")
    month = month_label(h.month) if h is not None else ""
    ax.set_title(f"Hospital assault attendances by hour of the week, 12 months to {month}\n"
                 "hatched: fewer than 5, or not shown to protect one")  # fmt: skip
    fig.tight_layout()
    return _png(fig)


def trend_chart(answer: ViolenceAnswer) -> bytes:
    """Police violence and hospital assaults by month over 24 months, the knife share beneath;
    missing months are gaps."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1]})  # fmt: skip
    v = answer.police.violence
    police = {m.month: m.crimes for m in v.monthly}
    h = answer.hospital
    months = [m.month for m in h.months] if h is not None else list(police)
    if not months:
        months = list(police)
    xs = range(len(months))
    top.plot(xs, [police.get(m) if police.get(m) is not None else float("nan") for m in months],
             marker="o", label="Police: violence and sexual offences")  # fmt: skip
    if h is not None:
        hospital = {m.month: m for m in h.months}

        def value(m: str, attr: str) -> float:
            got = getattr(hospital[m], attr) if m in hospital else None
            return got if isinstance(got, int | float) else float("nan")

        top2 = top.twinx()
        top2.plot(xs, [value(m, "attendances") for m in months], marker="s", color="#c0392b",
                  label="Hospital assault attendances")  # fmt: skip
        top2.set_ylabel("Hospital attendances", color="#c0392b")
        top2.set_ylim(bottom=0)
        bottom.bar(xs, [value(m, "knife_share") for m in months], color="#7f8c8d")
        top2.legend(loc="upper right")
    top.set_ylabel("Police-recorded")
    top.set_ylim(bottom=0)
    top.legend(loc="upper left")
    bottom.set_ylabel("Knife share %")
    labels = [month_label(m)[:3] + " " + m[2:4] for m in months]
    bottom.set_xticks(list(xs)[::2], labels[::2], rotation=45)
    top.set_title("Violence by month, 24 months (gaps: no data)")
    fig.tight_layout()
    return _png(fig)


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
            [[m.month, n(m.attendances), n(m.knife), m.knife_share, m.departments]
             for m in h.months],
        )  # fmt: skip
        sheets["Hospital locations"] = (
            ["Location", "Attendances", "Share %"],
            [[c.what, n(c.attendances), c.share] for c in h.places],
        )
    first = True
    for name, (header, rows) in sheets.items():
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = name
        sheet.append(header)
        for row in rows:
            sheet.append([spreadsheet_safe(c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def profile_files(answer: ViolenceAnswer) -> list[tuple[str, str, bytes]]:
    """(file name, title, content) of each file of the monthly profile."""
    stamp = f"{answer.as_of:%Y-%m}"
    return [
        (f"violence-map-{stamp}.png", "Violence by neighbourhood", violence_map(answer)),
        (f"violence-hours-{stamp}.png", "Hospital assaults by hour of the week",
         hours_chart(answer)),
        (f"violence-trend-{stamp}.png", "Violence by month", trend_chart(answer)),
        (f"violence-profile-{stamp}.xlsx", "Violence profile figures", workbook(answer)),
    ]  # fmt: skip


__all__ = ["FEWER", "profile_files"]
