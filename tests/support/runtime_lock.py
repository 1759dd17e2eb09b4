"""requirements-runtime.lock: the runtime part of requirements.lock, for a production install
(``make install``). It pins exactly what oversight needs to run, as requirements.lock pins it:
the dependencies in pyproject.toml's [project] and theirs, on this platform, and setuptools, which
builds oversight itself. Written by ``python -m tests.support.runtime_lock`` (after ``make lock``);
tests/test_deploy.py checks that it is what this would write."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent.parent
HEADER = (
    "# The runtime part of requirements.lock, for a production install (make install): what\n"
    "# oversight needs to run and to be built, pinned as CI tested it. Do not edit by hand: after\n"
    "# make lock, write it with: .venv/bin/python -m tests.support.runtime_lock\n"
)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> dict[str, tuple[str, str]]:
    """requirements.lock: each package's canonical name -> (name as written, version)."""
    found = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            found[canonical(name)] = (name, version)
    return found


# Every virtual environment has pip, and requirements.lock leaves it out (sqlite-utils asks for it).
IN_EVERY_VENV = {"pip"}


def runtime_closure() -> set[str]:
    """The canonical names of the packages oversight needs at run time (from the installed
    distributions' metadata: their requirements without extras, on this platform) and to be
    built (pyproject.toml's [build-system] requires), but pip."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [Requirement(r) for r in project["project"]["dependencies"]]
    wanted += [Requirement(r) for r in project["build-system"]["requires"]]
    seen: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        name = canonical(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = distribution(requirement.name).requires or []
        except PackageNotFoundError:
            continue  # said by the test: every name must be pinned in requirements.lock
        for text in requires:
            dependency = Requirement(text)
            if dependency.marker is None or dependency.marker.evaluate({"extra": ""}):
                wanted.append(dependency)
    return seen - IN_EVERY_VENV


def runtime_lock() -> str:
    """The text requirements-runtime.lock must hold."""
    pins = pinned()
    missing = sorted(runtime_closure() - set(pins))
    if missing:
        raise SystemExit(f"not pinned in requirements.lock: {', '.join(missing)}")
    lines = [f"{pins[n][0]}=={pins[n][1]}\n" for n in sorted(runtime_closure())]
    return HEADER + "".join(lines)


if __name__ == "__main__":
    (REPO / "requirements-runtime.lock").write_text(runtime_lock(), encoding="utf-8")
    sys.exit(0)
