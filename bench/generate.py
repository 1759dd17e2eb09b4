"""A deterministic generator of valid case-review extracts, fast enough for millions of rows.

Rows are in recorded-date order (2019-07-01 to 2020-06-30), with references numbered in file
order as a records system would issue them (or, with ``shuffled``, in a random order: the worst
case for the B-trees an import writes; the other cells are the same). Each day draws its rows
from a pool of distinct "tails" (every column after the reference), so a 5M-row file takes
seconds, not minutes.
Every row satisfies ``oversight.importing.kinds.check_case`` for an extract as of 2020-06-30.
"""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from pathlib import Path

HEADER = (
    "incident_ref,workstream,recorded_on,needs_review,review_status,reviewed_on,"
    "ncrs_compliant,referral_required,referral_sent"
)
FIRST_DAY = date(2019, 7, 1)
AS_OF = date(2020, 6, 30)
DAYS = (AS_OF - FIRST_DAY).days + 1  # 366: 2020 is a leap year
TAILS_PER_DAY = 512
VERSION = 1  # bump when the output changes, so cached files are not reused

# The mix: mostly domestic abuse; ~38% needing review; of those, about half reviewed.
DOMESTIC_ABUSE_SHARE = 0.85
NEEDS_REVIEW_SHARE = 0.38
REVIEW_STATUS_WEIGHTS = {"reviewed": 0.45, "in_progress": 0.05, "outstanding": 0.50}
MAX_REVIEW_DELAY_DAYS = 120


def cases_csv(directory: Path, rows: int, seed: int = 2020, *, shuffled: bool = False) -> Path:
    """The path of a generated extract of ``rows`` case rows, written once and then reused."""
    order = "-shuffled" if shuffled else ""
    path = directory / f"cases-{rows}{order}-seed{seed}-v{VERSION}.csv"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        write_cases(partial, rows, seed, shuffled=shuffled)
        os.replace(partial, path)
    return path


def write_cases(path: Path, rows: int, seed: int, *, shuffled: bool = False) -> None:
    rng = random.Random(seed)
    numbers: range | list[int] = range(1, rows + 1)
    if shuffled:
        numbers = list(numbers)
        random.Random(seed + 1).shuffle(numbers)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(HEADER + "\n")
        start = 0
        for day_index in range(DAYS):
            end = (day_index + 1) * rows // DAYS
            if end > start:
                day = FIRST_DAY + timedelta(days=day_index)
                pool = [_tail(rng, day) for _ in range(TAILS_PER_DAY)]
                picks = rng.choices(pool, k=end - start)
                file.write(
                    "".join(
                        f"{prefix}{number:08d},{tail}\n"
                        for number, (prefix, tail) in zip(numbers[start:end], picks, strict=True)
                    )
                )
            start = end


def _tail(rng: random.Random, recorded_on: date) -> tuple[str, str]:
    """A reference prefix and the other eight cells of one valid row recorded on a day."""
    domestic = rng.random() < DOMESTIC_ABUSE_SHARE
    prefix, workstream = ("DA", "domestic_abuse") if domestic else ("CP", "child_protection")
    status = reviewed_on = ncrs = referral_required = referral_sent = ""
    if rng.random() < NEEDS_REVIEW_SHARE:
        needs_review = "yes"
        status = rng.choices(
            list(REVIEW_STATUS_WEIGHTS), weights=list(REVIEW_STATUS_WEIGHTS.values())
        )[0]
        if status == "reviewed":
            delay = timedelta(days=rng.randint(0, MAX_REVIEW_DELAY_DAYS))
            reviewed_on = min(recorded_on + delay, AS_OF).isoformat()
            ncrs = _answer(rng, yes=0.96, no=0.03)
            referral_required = _answer(rng, yes=0.30, no=0.65)
            if referral_required == "yes":
                referral_sent = _answer(rng, yes=0.95, no=0.035)
    else:
        needs_review = "no"
        status = "not_required" if rng.random() < 0.8 else ""
    cells = (
        workstream,
        recorded_on.isoformat(),
        needs_review,
        status,
        reviewed_on,
        ncrs,
        referral_required,
        referral_sent,
    )
    return prefix, ",".join(cells)


def _answer(rng: random.Random, *, yes: float, no: float) -> str:
    """yes, no or blank (unknown), with the given shares of yes and no."""
    draw = rng.random()
    return "yes" if draw < yes else "no" if draw < yes + no else ""
