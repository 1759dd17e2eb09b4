"""Plain-text rendering of the answer models, for the command line: the machinery.

Each answer's own rendering is in the module named after it (``render/backlog.py``...), and is
registered on :func:`lines_of`.
"""

from __future__ import annotations

from datetime import date
from functools import singledispatch
from typing import Any

from oversight.figures.vintage import LastImport
from oversight.render import words as fmt


def render_text(answer: object) -> str:
    """The answer as plain text for a terminal, ending in a newline."""
    return "\n".join(lines_of(answer)).rstrip() + "\n"


def footer(kind: str, answer: Any) -> list[str]:
    """Where an answer's figures came from (its ``source``, as of its ``as_of``), a warning
    when that is stale, and how they were known (its ``known``)."""
    source = answer.source
    lines = ["", fmt.source(kind, source, answer.as_of, answer.known.first_since)]
    warning = fmt.stale_warning(kind, source, answer.as_of, answer.known.first_since)
    if warning:
        lines.append(f"WARNING: {warning}")
    return lines + fmt.known_lines(answer.known, answer.as_of)


def sources_footer(
    sources: dict[str, LastImport | None], as_of: date, since: dict[str, LastImport]
) -> list[str]:
    """Where every kind of data came from (or that none had been taken by ``as_of``, one having
    been ``since``), and a warning for each that is stale."""
    lines = [fmt.source(kind, s, as_of, since.get(kind)) for kind, s in sources.items()]
    warnings = [
        w for k, s in sources.items() if (w := fmt.stale_warning(k, s, as_of, since.get(k)))
    ]
    return lines + [f"WARNING: {w}" for w in warnings]


def table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """Columns padded to their widest cell; ``align`` has "l" or "r" for each column."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (
            c.rjust(w) if a == "r" else c.ljust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        )
        return "  ".join(padded).rstrip()

    return [line(header), *(line(r) for r in rows)]


def loud(text: str) -> str:
    """Overdue in capitals, so it stands out in a terminal table."""
    return text.replace("overdue", "OVERDUE", 1)


def has_rendering(answer_type: type) -> bool:
    """Whether ``answer_type`` has its own rendering here (not only the fallback's error)."""
    return lines_of.dispatch(answer_type) is not lines_of.registry[object]


@singledispatch
def lines_of(answer: object) -> list[str]:
    raise TypeError(f"no text rendering for {type(answer).__name__}")
