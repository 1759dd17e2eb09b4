"""Small numbers in hospital counts: suppressed, with complementary suppression (README: "The
violence profile").

The rule, wherever a hospital count is shown (Slack, the command line, JSON, the workbook, the
charts):

1. A count from 1 to 4 is shown as "fewer than 5" (primary suppression). 0 is shown.
2. A breakdown shown beside its total (months of a year, departments, locations) must not let a
   suppressed count be worked out by subtraction. Knowing only that each suppressed count is
   between 1 and 4, and that each count withheld beside them is 5 or more, every suppressed
   count must still be able to take any value from 1 to 4. Until it can, the smallest count
   still shown is withheld too ("not shown": complementary suppression); when none is left,
   the total is withheld instead, wherever it would be shown. A total that is itself from 1
   to 4 is shown as "fewer than 5", and so are its parts: none can then be worked out.
3. A share (a percentage) of a suppressed or withheld count is not shown either.

A value shown is an ``int``; a suppressed one is the string :data:`FEWER`, a withheld one
:data:`WITHHELD`: the answer model, and so its JSON, never holds the count itself.
"""

from __future__ import annotations

from collections.abc import Sequence

FEWER = "fewer than 5"
WITHHELD = "not shown"
SMALLEST_SHOWN = 5

Shown = int | str


def is_small(n: int) -> bool:
    return 1 <= n < SMALLEST_SHOWN


def shown(n: int) -> Shown:
    """One count with no parts beside it: ``n``, or "fewer than 5"."""
    return FEWER if is_small(n) else n


def share(part: Shown, whole: Shown) -> float | None:
    """``part`` as a percentage of ``whole`` to one decimal place; None when either is not
    shown (a share of a hidden count would give it away) or the whole is 0."""
    if not isinstance(part, int) or not isinstance(whole, int) or whole == 0:
        return None
    return round(part * 100 / whole, 1)


def _ranges(values: Sequence[int], hidden: set[int]) -> dict[int, tuple[int, int]]:
    """For each hidden small count, the values it could take, knowing the sum of the hidden
    counts (the total less those shown), that small ones are 1 to 4 and others 5 or more."""
    total = sum(values[i] for i in hidden)
    out = {}
    for i in hidden:
        if not is_small(values[i]):
            continue
        others = hidden - {i}
        least = sum(1 if is_small(values[j]) else SMALLEST_SHOWN for j in others)
        unbounded = any(not is_small(values[j]) for j in others)
        most = None if unbounded else sum(SMALLEST_SHOWN - 1 for _ in others)
        low = 1 if most is None else max(1, total - most)
        high = min(SMALLEST_SHOWN - 1, total - least)
        out[i] = (low, high)
    return out


def recoverable(values: Sequence[int], hidden: set[int]) -> bool:
    """Whether the total and the counts shown narrow any hidden small count below 1 to 4."""
    return any(r != (1, SMALLEST_SHOWN - 1) for r in _ranges(values, hidden).values())


def protect(values: Sequence[int], total_shown: bool = True) -> tuple[list[Shown], Shown]:
    """A breakdown ``values`` and its total, as they may be shown (the rule above)."""
    hidden = {i for i, v in enumerate(values) if is_small(v)}
    total = sum(values)
    if not hidden:
        return list(values), total
    if is_small(total):  # every part is small too, and the total says no more than they do
        return [FEWER if v else 0 for v in values], FEWER
    if total_shown:
        candidates = sorted(
            (i for i, v in enumerate(values) if v >= SMALLEST_SHOWN), key=lambda i: values[i]
        )
        while recoverable(values, hidden) and candidates:
            hidden.add(candidates.pop(0))
        if recoverable(values, hidden):
            total_shown = False
    parts: list[Shown] = [
        (FEWER if is_small(v) else WITHHELD) if i in hidden else v for i, v in enumerate(values)
    ]
    return parts, (shown(total) if total_shown else WITHHELD)
