"""Findings as CSV text, for ``oversight integrity --csv`` and the alert's thread."""

from __future__ import annotations

import csv
import io

from oversight.figures.integrity import FINDING_COLUMNS, Finding
from oversight.values import spreadsheet_safe


def findings_csv(rows: list[Finding]) -> str:
    """The findings as CSV text (RFC 4180 line ends), formula-safe, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FINDING_COLUMNS)
    for finding in rows:
        row = finding.as_row()
        writer.writerow([spreadsheet_safe(str(row[c] or "")) for c in FINDING_COLUMNS])
    return out.getvalue()
