"""The digest as an XLSX workbook: the figures, the weekly series, the returns, the deadlines and
the data-integrity findings.

Numbers are numbers and dates are dates, so the team can work with them. Text from the force's
extracts is always written as text: a title such as ``=HYPERLINK(...)`` must never become a
formula when someone opens the file (spreadsheet formula injection).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import singledispatch
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from oversight.answers.digest import DigestAnswer
from oversight.figures.backlog import week_start
from oversight.figures.crime import month_label
from oversight.importing.kinds import kind_label
from oversight.render.requests import request_when
from oversight.render.words import (
    SYNTHETIC_MARK,
    day,
    deadline_when,
    projection,
    risk,
    source,
    stale_warning,
    workstream,
)
from oversight.values import FORMULA_STARTS

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

DATE_FORMAT = "d mmm yyyy"
PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
CHANGE_FORMAT = "+#,##0;-#,##0;0"
MAX_CELL_TEXT = 32_767  # Excel's limit; longer text makes Excel "repair" the file
MAX_WIDTH = 60
TITLE_ROW, HEADER_ROW = 1, 2  # each sheet's title, then its (first) header
# Column widths (Excel's character units) that fit across a portrait A4 page at 100%.
PORTRAIT_WIDTH = 90

Value = str | int | float | date | None


# A workbook as it is sent: (file name, title, XLSX bytes).
WorkbookFile = tuple[str, str, bytes]


@singledispatch
def answer_workbook(answer: object) -> WorkbookFile | None:
    """The workbook the Workbook button under ``answer`` sends: the answer's own, when it has
    one (registered here as its other renderings are: the violence profile's), else None, for
    the figures workbook of the weekly digest (:func:`figures_workbook`)."""
    return None


def figures_workbook(digest: DigestAnswer) -> WorkbookFile:
    """The weekly digest's workbook, as the Workbook button under most answers sends it."""
    day = digest.as_of.isoformat()
    name = f"oversight-figures-{day}.xlsx"
    return name, f"Oversight figures as of {day}", digest_workbook(digest)


def digest_workbook(digest: DigestAnswer) -> bytes:
    """The digest as XLSX bytes, the same bytes for the same digest."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    book.remove(book.active)
    sheets = [
        ("Summary", _summary),
        ("Outstanding by week", _by_week),
        ("Data returns", _returns),
        ("Deadlines", _deadlines),
        ("Data integrity", _integrity),
    ]
    if digest.requests is not None:
        sheets.append(("Information requests", _requests))
    if digest.crime is not None:
        sheets.append(("Recorded crime", _crime))
    for name, write in sheets:
        out = _Rows(book.create_sheet(name), _title(name, digest))
        write(out, digest)
        out.for_paper()
    # Fixed properties and zip times, so the bytes depend on the digest alone.
    stamp = datetime.combine(digest.as_of, time())
    book.properties.creator = "oversight"
    book.properties.title = f"Weekly digest {digest.period}"
    book.properties.created = book.properties.modified = stamp
    buffer = BytesIO()
    # ExcelWriter, not Workbook.save: save stamps the file with the time it was written.
    ExcelWriter(book, _FixedTimeZip(buffer, stamp)).save()
    return buffer.getvalue()


class _FixedTimeZip(ZipFile):
    def __init__(self, file: BytesIO, stamp: datetime) -> None:
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True)
        # A zip can only hold times from 1980 to 2107: any as-of date still needs a valid stamp.
        stamp = min(max(stamp, datetime(1980, 1, 1)), datetime(2107, 12, 31))
        self.stamp = stamp.timetuple()[:6]

    def writestr(self, name: str | ZipInfo, data: str | bytes, *args: object, **kw: object) -> None:
        if isinstance(name, str):
            name = ZipInfo(name, date_time=self.stamp)
            name.compress_type = ZIP_DEFLATED
            name.external_attr = 0o600 << 16  # what ZipFile gives a name on its own
        super().writestr(name, data, *args, **kw)

    def write(self, filename: str, arcname: str | None = None, *args: object) -> None:
        # openpyxl writes each worksheet to a temporary file first: that file's time varies.
        with open(filename, "rb") as file:
            self.writestr(arcname or Path(filename).name, file.read())


def _title(subject: str, digest: DigestAnswer) -> str:
    """A sheet's title row: its subject and the digest's date, marked SYNTHETIC when made from
    the demo's records."""
    title = f"{subject}: weekly oversight digest, {day(digest.as_of)} (week {digest.period})"
    return f"{SYNTHETIC_MARK.upper()} — {title}" if digest.synthetic else title


def _summary(out: _Rows, digest: DigestAnswer) -> None:
    figures = digest.backlog.figures
    trend = digest.backlog.trend
    changes = digest.change_since_previous
    out.header(["Figure", *(workstream(f.workstream) for f in figures)])
    rows: list[tuple[str, list[Value], str]] = [
        ("As of", [digest.as_of] * len(figures), DATE_FORMAT),
        ("Recorded", [f.recorded for f in figures], COUNT_FORMAT),
        ("Needing review", [f.needing_review for f in figures], COUNT_FORMAT),
        ("Reviewed", [f.reviewed for f in figures], COUNT_FORMAT),
        ("Outstanding", [f.outstanding for f in figures], COUNT_FORMAT),
        ("% reviewed", [_fraction(f.percent_reviewed) for f in figures], PERCENT_FORMAT),
        ("NCRS compliance", [_fraction(f.ncrs_percent) for f in figures], PERCENT_FORMAT),
        ("Referrals not sent", [f.referrals_not_sent for f in figures], COUNT_FORMAT),
        ("Referrals not known", [f.referrals_unknown for f in figures], COUNT_FORMAT),
    ]
    if changes is not None and digest.previous is not None:
        label = f"Change since the digest of {day(digest.previous.as_of)}"
        rows.append((label, [changes.get(f.workstream) for f in figures], CHANGE_FORMAT))
    if digest.risk and all(r.in_extract for r in digest.risk):
        rows += [
            ("Not risk-assessed", [r.unassessed for r in digest.risk], COUNT_FORMAT),
            ("Oldest not risk-assessed, days", [r.oldest_days for r in digest.risk], COUNT_FORMAT),
            ("Risk-assessed", [r.assessed for r in digest.risk], COUNT_FORMAT),
            ("Assessed high risk", [r.high for r in digest.risk], COUNT_FORMAT),
        ]
    elif digest.risk:
        rows.append(("Risk assessments", [risk(r) for r in digest.risk], COUNT_FORMAT))
    for label, values, number_format in rows:
        out.row([label, *values], number_format)
    out.header(["Trend, both workstreams", "Value"], gap=True)
    last = trend.last_week
    completion: Value = trend.projected_completion or projection(trend)
    out.row(["Digest period", digest.period])
    out.row(["Last complete week beginning", last.week_start if last else None])
    out.row(["Reviews completed in the last complete week", last.completed if last else None])
    out.row(["Four-week mean (reviews a week)", trend.four_week_mean], "#,##0.0")
    out.row(["Outstanding seven days before", trend.outstanding_week_before])
    out.row(["Change over seven days", trend.change_over_week], CHANGE_FORMAT)
    out.row(["Projected completion", completion])
    out.widths()  # before the sources: their long lines can run on into the empty cells
    out.header(["Source", "Last import"], gap=True)
    for kind, last_import in digest.sources.items():
        since = digest.since.get(kind)
        note = stale_warning(kind, last_import, digest.as_of, since)
        text = source(kind, last_import, digest.as_of, since) + (
            f" {note}" if note and last_import else ""
        )
        out.row([kind_label(kind).capitalize(), text], wrap=True)


def _by_week(out: _Rows, digest: DigestAnswer) -> None:
    out.header(
        ["Week beginning", "Week ending", "Reviews completed", "Outstanding at the end", "Note"]
    )
    completed = {w.week_start: w.completed for w in digest.weeks}
    for point in digest.history:
        monday = week_start(point.day)
        if point.day.weekday() == 6:
            out.row([monday, point.day, completed.get(monday), point.outstanding])
        else:  # the as-of date, mid-week: the week is not complete, so no count for it
            note = "As-of date: the week is not complete"
            out.row([monday, point.day, None, point.outstanding, note])
    out.widths()


def _returns(out: _Rows, digest: DigestAnswer) -> None:
    columns = ["Dataset", "Period", "Due", "Status", "Submitted", "Overdue", "Days overdue"]
    out.header([*columns, "Excluded", "Notes"])
    for item in digest.returns.returns:
        out.row(
            [
                item.dataset,
                item.period,
                item.due_on,
                item.status,
                item.submitted_on,
                _yes_no(item.overdue),
                item.days_overdue,
                _yes_no(item.excluded),
                item.notes,
            ]
        )
    out.none_found("No data returns.")
    out.widths()


def _deadlines(out: _Rows, digest: DigestAnswer) -> None:
    out.header(
        ["Title", "Due", "Working days left", "Days left", "Owner", "Category", "Overdue", "When"]
    )
    for item in digest.deadlines.deadlines:
        out.row(
            [
                item.title,
                item.due_on,
                item.working_days_left,
                item.days_left,
                item.owner,
                item.category,
                _yes_no(item.overdue),
                deadline_when(item),
            ]
        )
    out.none_found(f"No open deadlines in the next {digest.deadlines.within_days} days or overdue.")
    out.widths()


def _requests(out: _Rows, digest: DigestAnswer) -> None:
    assert digest.requests is not None
    out.header(["Ref", "To", "Received", "Due", "Extended", "State", "Answered", "When"])
    for item in digest.requests.requests:
        out.row(
            [
                item.ref,
                item.authority,
                item.received_on,
                item.due_on,
                _yes_no(item.extended),
                item.state,
                item.answered_on,
                request_when(item),
            ]
        )
    out.none_found(f"None found: no information request was overdue on {day(digest.as_of)}.")
    out.widths()


def _integrity(out: _Rows, digest: DigestAnswer) -> None:
    """Every finding of the case imports since the previous digest, one per row."""
    out.header(["Import", "Finding", "Incident ref", "Workstream", "Old", "New"])
    for finding in digest.integrity.findings:
        out.row(
            [
                finding.import_id,
                finding.kind,
                finding.ref,
                workstream(finding.workstream) if finding.workstream else None,
                finding.old or None,
                finding.new or None,
            ]
        )
    out.none_found(
        f"None found: the case imports since {day(digest.integrity.since)} lost or changed nothing."
    )
    out.widths()


def _crime(out: _Rows, digest: DigestAnswer) -> None:
    """Recorded crime month by month for the last 24 months, with the gaps marked."""
    crime = digest.crime
    assert crime is not None
    silent: dict[str, list[str]] = {}
    for area in crime.silent:
        silent.setdefault(area.month, []).append(area.name)
    out.header(
        [
            "Month",
            "Recorded crime",
            "Anti-social behaviour (not a crime)",
            "No Location",
            "Data gap",
            "Neighbourhoods with no crime",
        ]
    )
    for m in crime.monthly:
        gap = "No file (missing)" if m.missing else "Low month" if m.low else None
        out.row(
            [
                month_label(m.month),
                m.crimes,
                m.asb,
                m.no_location,
                gap,
                ", ".join(silent.get(m.month, [])) or None,
            ]
        )
    out.row([f"Force: {crime.force}"])
    out.widths()


class _Rows:
    """Writes a sheet row by row (openpyxl's max_row is a scan: asking it per row is quadratic):
    its title in row 1, its first header in row 2 (both printed on every page)."""

    def __init__(self, sheet: Worksheet, title: str) -> None:
        from openpyxl.styles import Font

        self.sheet = sheet
        sheet.cell(TITLE_ROW, 1, _clean(title)).font = Font(bold=True, size=12)
        self.next = HEADER_ROW
        self.columns = 1
        self.rows_under_header = 0

    def header(self, labels: list[str], *, gap: bool = False) -> None:
        from openpyxl.styles import Font

        self.next += gap
        for column, label in enumerate(labels, start=1):
            self.sheet.cell(self.next, column, label).font = Font(bold=True)
        if self.next == HEADER_ROW:
            self.sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        self.columns = max(self.columns, len(labels))
        self.rows_under_header = 0
        self.next += 1

    def none_found(self, text: str) -> None:
        """A table with no rows says so, rather than printing its headers alone."""
        if not self.rows_under_header:
            self.row([text])

    def row(
        self, values: list[Value], number_format: str = COUNT_FORMAT, *, wrap: bool = False
    ) -> None:
        """Dates get a date format, numbers ``number_format``; text is always text."""
        self.rows_under_header += 1
        for column, value in enumerate(values, start=1):
            cell = self.sheet.cell(self.next, column)
            if isinstance(value, str):
                cell.value = text = _clean(value)
                # openpyxl takes "=..." for a formula and "#N/A" for an error: text stays text.
                cell.data_type = "s"
                if text.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True  # so Excel keeps it text when the cell is edited
                if wrap and column == len(values):  # the last wraps across the table
                    self._spread(self.next, column, text)
                continue
            cell.value = value
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, int | float):
                cell.number_format = number_format
        self.next += 1

    def _spread(self, row: int, column: int, text: str) -> None:
        """``text`` wrapped in one cell merged from ``column`` to the table's last, its row
        made tall enough for the lines (a merged cell's height is not fitted by Excel)."""
        from openpyxl.styles import Alignment
        from openpyxl.utils import get_column_letter

        sheet = self.sheet
        width = sum(
            sheet.column_dimensions[get_column_letter(c)].width or 8
            for c in range(column, self.columns + 1)
        )
        if self.columns > column:
            sheet.merge_cells(
                start_row=row, start_column=column, end_row=row, end_column=self.columns
            )
        sheet.cell(row, column).alignment = Alignment(wrap_text=True, vertical="top")
        lines = -(-len(text) // max(int(width * 0.95), 1))
        if lines > 1:
            sheet.row_dimensions[row].height = 15 * lines

    def for_paper(self) -> None:
        """Printed on A4, one page wide (as many pages long as the rows need), landscape when
        the columns are wider than a portrait page; the title and the header on every page;
        only the cells written (no blank page for a cell beyond them)."""
        from openpyxl.utils import get_column_letter

        sheet = self.sheet
        width = sum(
            sheet.column_dimensions[get_column_letter(c)].width or 8
            for c in range(1, self.columns + 1)
        )
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = "landscape" if width > PORTRAIT_WIDTH else "portrait"
        setup.fitToWidth, setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        title = sheet.cell(TITLE_ROW, 1).value
        self._spread(TITLE_ROW, 1, str(title))  # the title never runs off the printed page
        sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
        sheet.print_area = f"A1:{get_column_letter(self.columns)}{self.next - 1}"
        sheet.print_options.gridLines = False
        sheet.oddFooter.center.text = "Page &P of &N"

    def widths(self) -> None:
        from openpyxl.utils import get_column_letter

        widths: dict[int, int] = {}
        for row in self.sheet.iter_rows(min_row=HEADER_ROW):  # the title may run on
            for cell in row:
                value = cell.value
                if isinstance(value, date):
                    size = 12
                elif isinstance(value, int | float):
                    size = len(f"{value:,}")
                else:
                    size = len(str(value or ""))
                widths[cell.column] = max(widths.get(cell.column, 8), min(size + 2, MAX_WIDTH))
        for column, width in widths.items():
            self.sheet.column_dimensions[get_column_letter(column)].width = width


def _clean(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters are not allowed in XLSX text: show them as replacement characters.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


def _fraction(percent: float | None) -> float | str:
    """The digest's percentage (one decimal place) as a fraction for a 0.0% format."""
    return "n/a" if percent is None else float(Decimal(str(percent)) / 100)


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"
