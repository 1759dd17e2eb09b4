"""Keeping an import's findings (the write half of ``import_findings``).

Findings are kept densely (migration 14): each kind and workstream is a word kept once, in
``finding_words``, and each finding's row in ``import_finding_rows`` holds their codes, keyed by
its import and its place among that import's findings. The view ``import_findings`` reads them
back as words, with the columns they always had; these functions write the rows themselves, a
few at once (the view's own insert takes one row at a time).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

# A finding as a writer gives it: kind, ref, workstream (or None), old, new, month, until_month,
# area, area_code (words, or None).
FoundRow = Sequence[object]

_NEXT = "SELECT coalesce(max(id), 0) FROM import_finding_rows WHERE import_id = ?"


def keep_found(
    conn: sqlite3.Connection, import_id: int, found: str, params: Sequence[object]
) -> None:
    """Keep as ``import_id``'s findings the rows of the query ``found`` (with ``params``): its
    columns kind, ref, workstream, old and new, as words. Every word is kept, new ones added."""
    conn.execute(f"CREATE TEMP TABLE findings_found AS {found}", params)
    try:
        conn.execute(
            "INSERT OR IGNORE INTO finding_words (word) SELECT kind FROM temp.findings_found "
            "UNION SELECT workstream FROM temp.findings_found WHERE workstream IS NOT NULL"
        )
        (last,) = conn.execute(_NEXT, (import_id,)).fetchone()
        conn.execute(
            "INSERT INTO import_finding_rows (import_id, id, kind, ref, workstream, old, new) "
            "SELECT ?, ? + row_number() OVER (), k.code, f.ref, w.code, f.old, f.new "
            "FROM temp.findings_found f JOIN finding_words k ON k.word = f.kind "
            "LEFT JOIN finding_words w ON w.word = f.workstream",
            (import_id, last),
        )
    finally:
        conn.execute("DROP TABLE temp.findings_found")


def keep_rows(conn: sqlite3.Connection, import_id: int, rows: Iterable[FoundRow]) -> None:
    """Keep ``rows`` (kind, ref, workstream, old, new, month, until_month, area, area_code) as
    ``import_id``'s findings."""
    rows = list(rows)
    words = {row[0] for row in rows} | {row[2] for row in rows if row[2] is not None}
    conn.executemany(
        "INSERT OR IGNORE INTO finding_words (word) VALUES (?)", [(w,) for w in sorted(words)]
    )
    codes = dict(conn.execute("SELECT word, code FROM finding_words"))
    (last,) = conn.execute(_NEXT, (import_id,)).fetchone()
    conn.executemany(
        "INSERT INTO import_finding_rows (import_id, id, kind, ref, workstream, old, new, month, "
        "until_month, area, area_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (import_id, last + n, codes[kind], ref, codes.get(workstream), *rest)
            for n, (kind, ref, workstream, *rest) in enumerate(rows, start=1)
        ],
    )
