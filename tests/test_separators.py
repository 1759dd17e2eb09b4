"""A CSV saved by Excel in a European locale: semicolons between the columns (the comma being the
decimal mark), a byte-order mark and CRLF line ends; or "Text (Tab delimited)". The separator is
recognised from the header line and said; one that is unclear, or not one of the three, is said
to be the trouble, in one sentence, with nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.cli import invoke
from tests.support.data import CASE_HEADER, RETURN_HEADER, case

ROWS = [
    case("E-1", recorded_on="01/07/2019"),
    case("E-2", "CP", "02/07/2019", "yes", "reviewed", "03/08/2019", "yes", "yes", "no"),
    case("E-3", "DA", "03/07/2019", "no", "", "", "", "", ""),
]


def write_excel(path: Path, separator: str, header: list[str], rows: list[list[str]]) -> Path:
    """Bytes as Excel writes them: a BOM, CRLF, and the separator between cells."""
    lines = [separator.join(header), *(separator.join(r) for r in rows)]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def backlog(runner: CliRunner) -> dict:
    result = invoke(runner, "ask", "--json", "--as-of", "2020-06-30", "/backlog")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["backlog"]["figures"][-1]


@pytest.mark.parametrize(("separator", "said"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_european_excel_csv_imports_and_says_its_separator(
    runner: CliRunner, tmp_path: Path, separator: str, said: str
) -> None:
    path = write_excel(tmp_path / "cases.csv", separator, CASE_HEADER, ROWS)
    result = invoke(runner, "import", "cases", path.name, "--as-of", "2020-06-30")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Imported cases.csv (3 rows) as import #1: 3 inserted")
    assert f"Warning: read with {said} between the columns." in result.stderr
    figures = backlog(runner)
    assert (figures["recorded"], figures["needing_review"], figures["reviewed"]) == (3, 2, 1)


def test_the_same_rows_with_commas_store_the_same(runner: CliRunner, tmp_path: Path) -> None:
    semi = write_excel(tmp_path / "semi.csv", ";", CASE_HEADER, ROWS)
    assert invoke(runner, "import", "cases", semi.name, "--as-of", "2020-06-30").exit_code == 0
    commas = write_excel(tmp_path / "commas.csv", ",", CASE_HEADER, ROWS)
    again = invoke(runner, "import", "cases", commas.name, "--as-of", "2020-06-30")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("No changes: all 3 rows of commas.csv")
    assert "between the columns" not in again.stderr  # commas go unsaid


def test_a_semicolon_file_with_commas_in_its_cells_keeps_them(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Semicolons separate; a comma inside a cell (Excel's decimal mark, a note) is text."""
    rows = [["Quarterly return", "2019-Q3", "31/10/2019", "missing", "", "late, then 1,5 weeks"]]
    path = write_excel(tmp_path / "returns.csv", ";", RETURN_HEADER, rows)
    result = invoke(runner, "import", "returns", path.name, "--as-of", "2020-06-30")
    assert result.exit_code == 0, result.stderr
    asked = invoke(runner, "ask", "--json", "--as-of", "2020-06-30", "/ons-status")
    (shown,) = json.loads(asked.stdout)["returns"]["returns"]
    assert shown["notes"] == "late, then 1,5 weeks"


def test_a_header_with_two_separators_is_refused_as_unclear(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "incident_ref;workstream;recorded_on,needs_review\nA;DA;2019-07-01,yes\n", encoding="utf-8"
    )
    result = invoke(runner, "import", "cases", path.name)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "mixed.csv, line 1: the header has both commas and semicolons between its names, so "
        "which one separates the columns is unclear: save the file with one separator (commas, "
        "semicolons or tabs)."
    )
    assert not (tmp_path / "oversight.db").exists()


def test_another_separator_is_named_as_the_trouble(runner: CliRunner, tmp_path: Path) -> None:
    path = write_excel(tmp_path / "pipes.csv", "|", CASE_HEADER, ROWS)
    result = invoke(runner, "import", "cases", path.name)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith('pipes.csv has one column in its header, "incident_ref|workstream')
    assert message.endswith(
        "its columns are not separated by commas, semicolons or tabs; save it as CSV with one "
        "of those."
    )
    assert "\n" not in message


def test_a_one_column_file_is_still_missing_columns(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "titles.csv").write_text("title\nA\n", encoding="utf-8")
    result = invoke(runner, "import", "deadlines", "titles.csv")
    assert result.exit_code == 2
    assert "is missing the required column due_on" in result.stderr
