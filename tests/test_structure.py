"""The shape of the code: one package per meaning, no import circles, Slack only at the edge.

The import graph is read from the source (tests/support/import_graph.py): imports at module
level and inside functions alike, and the modules a package loads from its own folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.import_graph import circles, import_graph, importers

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("oversight", "bot", "jobs")
SLACK_LIBRARIES = ("slack_sdk", "slack_bolt")
SLACK_PACKAGE = "oversight.slack"  # the core's one Slack package: plumbing and the doctor
MAX_LINES = 500


def _core(module: str) -> bool:
    return module.split(".")[0] == "oversight" and not (
        module == SLACK_PACKAGE or module.startswith(f"{SLACK_PACKAGE}.")
    )


def slack_outside_its_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Modules that import Slack's libraries but are not the Slack package, bot/ or jobs/."""
    return {m: found for m, found in importers(graph, SLACK_LIBRARIES).items() if _core(m)}


def core_importing_the_edge(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Core modules (oversight/ but its Slack package) that import bot/ or jobs/."""
    return {m: found for m, found in importers(graph, ("bot", "jobs")).items() if _core(m)}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(REPO, PACKAGES)


def test_the_installed_packages_import_each_other_in_no_circle(graph):
    assert len(graph) > 50  # the whole tree was read
    assert circles(graph) == []


def test_the_core_imports_nothing_from_the_bot_or_the_jobs(graph):
    assert core_importing_the_edge(graph) == {}


def test_only_the_slack_package_the_bot_and_the_jobs_import_slacks_libraries(graph):
    assert slack_outside_its_packages(graph) == {}
    users = importers(graph, SLACK_LIBRARIES)
    assert {"oversight.slack.plumbing", "bot.app", "jobs.tasks"} <= set(users)  # it does look


def test_the_checks_find_a_circle_and_stray_imports_added_to_a_copy_of_the_code(tmp_path: Path):
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package)
    assert circles(import_graph(tmp_path, PACKAGES)) == []
    # The figures turning to a rendering (inside a function, as a hidden circle would), and the
    # core reaching for Slack and for the bot.
    backlog = tmp_path / "oversight" / "figures" / "backlog.py"
    backlog.write_text(
        backlog.read_text(encoding="utf-8")
        + "\n\ndef _stray() -> None:\n"
        + "    from oversight.render.text import render_text\n"
        + "    import slack_sdk\n"
        + "    from bot.app import build_app\n",
        encoding="utf-8",
    )
    graph = import_graph(tmp_path, PACKAGES)
    found = circles(graph)
    assert found and any(
        "oversight.figures.backlog" in circle and "oversight.render.text" in circle
        for circle in found
    )
    assert slack_outside_its_packages(graph) == {"oversight.figures.backlog": {"slack_sdk"}}
    assert core_importing_the_edge(graph) == {"oversight.figures.backlog": {"bot.app"}}


def test_a_package_that_loads_its_folder_is_held_to_what_it_loads(tmp_path: Path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import importlib, pkgutil\n"
        "for m in pkgutil.iter_modules(__path__):\n"
        "    importlib.import_module(f'pkg.{m.name}')\n"
        "from pkg.base import THING\n"
    )
    (package / "base.py").write_text("THING = 1\n")
    (package / "plugin.py").write_text("from pkg.base import THING\n")
    assert circles(import_graph(tmp_path, ["pkg"])) == []
    (package / "plugin.py").write_text("from pkg import THING\n")  # the package's own API
    assert circles(import_graph(tmp_path, ["pkg"])) == [["pkg", "pkg.plugin"]]


def test_no_module_of_the_core_is_longer_than_its_limit():
    long = {
        str(path.relative_to(REPO)): lines
        for path in (REPO / "oversight").rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_module_beside_the_three_packages_is_declared():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "py-modules" not in pyproject
    assert not [p.name for p in REPO.glob("*.py")]  # setup.py or a stray module


@pytest.mark.slow
def test_the_wheel_installs_only_oversight_bot_and_jobs(tmp_path: Path):
    # Built from a copy: a build leaves build/ and oversight.egg-info/ beside the sources, and an
    # egg-info in the checkout would hide the installed package's entry points from the tests.
    source = tmp_path / "source"
    for name in ("pyproject.toml", "README.md"):
        (source / name).parent.mkdir(exist_ok=True)
        shutil.copy(REPO / name, source / name)
    for package in PACKAGES:
        shutil.copytree(REPO / package, source / package)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        timeout=180,
        cwd=tmp_path,
    )
    [wheel] = tmp_path.glob("oversight-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [top_level] = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        declared = archive.read(top_level).decode().split()
    assert sorted(declared) == ["bot", "jobs", "oversight"]
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith("dist-info")}
    assert tops == {"bot", "jobs", "oversight"}


def test_no_test_module_imports_another():
    """What tests share lives in conftest.py or tests/support/, not in another test module
    (importing one runs its module-level set-up, and pytest may collect its tests twice)."""
    pattern = re.compile(r"^\s*(?:from\s+tests\.test_\w+\s+import|import\s+tests\.test_\w+)", re.M)
    found = [
        path.relative_to(REPO).as_posix()
        for path in sorted((REPO / "tests").glob("**/*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
