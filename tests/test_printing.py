"""The digest on paper and marked SYNTHETIC: the workbook's print settings read back from the
saved file; its page count through LibreOffice where it is installed; the crime chart's years,
its missing month and the SYNTHETIC mark on everything made from the demo's store."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from oversight.answers.digest import DigestAnswer, build_digest
from oversight.render.charts import crime_chart, crime_chart_data, digest_chart
from oversight.render.text import render_text
from oversight.render.words import SYNTHETIC_MARK
from oversight.render.workbook import HEADER_ROW, PORTRAIT_WIDTH, TITLE_ROW, digest_workbook
from oversight.store import Store, open_store
from tests.support.data import NOW, settings
from tests.support.processes import copy_database

AS_OF = date(2020, 6, 30)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def demo_digest(store: Store, as_of: date = AS_OF) -> DigestAnswer:
    return build_digest(store, as_of, NOW, settings())


def saved(digest: DigestAnswer):
    return load_workbook(BytesIO(digest_workbook(digest)))


def test_every_sheet_prints_one_page_wide_with_its_title_and_header_on_each_page(
    demo_store: Store,
) -> None:
    book = saved(demo_digest(demo_store))
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), sheet.title
        assert int(setup.paperSize) == int(sheet.PAPERSIZE_A4)  # A4
        assert sheet.print_title_rows == f"${TITLE_ROW}:${HEADER_ROW}", sheet.title
        # The print area is the cells written: no blank page for anything beyond them.
        area = sheet.print_area
        assert area is not None, sheet.title
        last = re.search(r"\$([A-Z]+)\$(\d+)$", area if isinstance(area, str) else area[0])
        assert last is not None, area
        assert int(last.group(2)) == sheet.max_row, (sheet.title, area)
        assert last.group(1) == get_column_letter(sheet.max_column), area
        title = sheet.cell(TITLE_ROW, 1).value
        assert title.startswith(f"{SYNTHETIC_MARK.upper()} — {sheet.title}: weekly "), title
        assert "30 Jun 2020 (week 2020-W27)" in title


def test_sheets_wider_than_a_portrait_page_are_landscape(demo_store: Store) -> None:
    book = saved(demo_digest(demo_store))
    for sheet in book.worksheets:
        last = sheet.max_column
        width = sum(
            sheet.column_dimensions[sheet.cell(HEADER_ROW, c).column_letter].width or 8
            for c in range(1, last + 1)
        )
        wide = width > PORTRAIT_WIDTH
        assert sheet.page_setup.orientation == ("landscape" if wide else "portrait"), (
            sheet.title,
            width,
        )
    # The returns (nine columns, notes among them) are wider than A4 portrait.
    assert book["Data returns"].page_setup.orientation == "landscape"


def test_the_source_lines_wrap_within_the_printed_width(demo_store: Store) -> None:
    sheet = saved(demo_digest(demo_store))["Summary"]
    sources = [row for row in sheet.iter_rows() if row[0].value == "Case reviews"]
    (row,) = sources
    assert row[1].alignment.wrap_text
    merged = [str(r) for r in sheet.merged_cells.ranges]
    assert f"B{row[0].row}:D{row[0].row}" in merged


@pytest.fixture
def real_store(demo_store: Store, tmp_path: Path) -> Iterator[Store]:
    """The demo's records as if a person had imported them: nothing marks them synthetic."""
    path = copy_database(demo_store.path, tmp_path / "oversight.db")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE imports SET imported_by = 'analyst'")
    conn.close()
    with open_store(path) as store:
        yield store


def test_a_real_store_has_no_synthetic_mark(real_store: Store) -> None:
    digest = demo_digest(real_store)
    assert not digest.synthetic
    book = saved(digest)
    assert not any("SYNTHETIC" in str(s.cell(1, 1).value) for s in book.worksheets)
    assert "SYNTHETIC" not in render_text(digest)
    assert not crime_chart_data(digest).title.startswith("SYNTHETIC")


def test_the_demo_digest_says_synthetic_on_its_face(demo_store: Store) -> None:
    digest = demo_digest(demo_store)
    assert digest.synthetic
    assert render_text(digest).splitlines()[0] == f"{SYNTHETIC_MARK}."
    data = crime_chart_data(digest)
    assert data is not None and data.title.startswith("SYNTHETIC — ")
    plain = replace(digest, synthetic=False)
    # The mark is drawn: the same figures without it are another picture.
    assert digest_chart(digest) != digest_chart(plain)
    assert crime_chart(digest) != crime_chart(plain)


def test_the_crime_chart_names_its_years_and_shades_the_missing_month(
    demo_store: Store,
) -> None:
    data = crime_chart_data(demo_digest(demo_store))
    assert data is not None
    assert (data.this_label, data.last_label) == ("Jun 2019–May 2020", "Jun 2018–May 2019")
    assert data.labels[0] == "Jun\n2019" and data.labels[7] == "Jan\n2020"
    assert all("\n" not in label for i, label in enumerate(data.labels) if i not in (0, 7))
    # October 2019, the fifth month of the year to May 2020: a band, never a point at zero.
    assert data.bands == [(4, "no file: Oct 2019")]
    assert data.this_year[4] is None
    assert data.note.startswith("A month is missing: no file for October 2019 (shaded).")


@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed here: the printed page counts are checked "
    "only where it is",
)
def test_the_summary_prints_on_one_page_and_the_workbook_on_few(
    demo_store: Store, tmp_path: Path
) -> None:
    digest = demo_digest(demo_store)
    book = load_workbook(BytesIO(digest_workbook(digest)))
    for name in book.sheetnames:  # the summary alone, then the whole workbook
        if name != "Summary":
            del book[name]
    book.save(tmp_path / "summary.xlsx")
    (tmp_path / "digest.xlsx").write_bytes(digest_workbook(digest))
    for name in ("summary", "digest"):
        subprocess.run(
            [SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
             str(tmp_path / f"{name}.xlsx")],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    assert pdf_pages(tmp_path / "summary.pdf") == 1
    # As few pages as the rows need: each sheet's rows fit on one or two pages one page wide
    # (before: 15 portrait pages, one of them blank).
    pages = pdf_pages(tmp_path / "digest.pdf")
    assert pages <= 8, pages


def pdf_pages(path: Path) -> int:
    """The pages of a PDF, counted by their page objects (LibreOffice writes them plainly)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", path.read_bytes()))


def test_the_demo_violence_profile_says_synthetic_on_its_face(demo_store: Store) -> None:
    from oversight.answers import answer, parse_command
    from oversight.render.blocks import render_blocks
    from oversight.render.violence_files import profile_files

    profile = answer(demo_store, parse_command("/violence as of 2020-07-31"), NOW, settings())
    assert profile.synthetic
    assert render_text(profile).splitlines()[0] == f"{SYNTHETIC_MARK}."
    assert SYNTHETIC_MARK in str(render_blocks(profile))
    plain = replace(profile, synthetic=False)
    marked, unmarked = profile_files(profile), profile_files(plain)
    # The pictures by their bytes (drawn alike, they are alike); the workbook by its cells (its
    # bytes carry the time it was written).
    for (name, _, drawn), (_, _, bare) in zip(marked[:-1], unmarked[:-1], strict=True):
        assert drawn != bare, name
    book = load_workbook(BytesIO(marked[-1][2]))
    assert all(s.cell(1, 1).value == f"{SYNTHETIC_MARK}." for s in book.worksheets)
    plain_book = load_workbook(BytesIO(unmarked[-1][2]))
    assert not any("SYNTHETIC" in str(s.cell(1, 1).value) for s in plain_book.worksheets)


def test_a_real_stores_answers_have_no_synthetic_mark_and_the_demos_cite_it(
    demo_store: Store, real_store: Store
) -> None:
    from oversight.answers import answer, parse_command
    from oversight.render.blocks import render_blocks

    for typed in ("/backlog", "/violence", "/requests", "/crime", "/oversight home"):
        query = parse_command(f"{typed} as of 2020-07-31")
        demo, real = (answer(s, query, NOW, settings()) for s in (demo_store, real_store))
        assert SYNTHETIC_MARK in render_text(demo), typed  # at least where its source is cited
        assert SYNTHETIC_MARK in str(render_blocks(demo)), typed
        assert "SYNTHETIC" not in render_text(real), typed
        assert "SYNTHETIC" not in str(render_blocks(real)), typed
