"""The import graph of a tree of packages, read from the source as written: every ``import`` and
``from … import``, at module level, inside functions and under ``if TYPE_CHECKING`` alike, and the
submodules a package loads by walking its own folder (``pkgutil.iter_modules(__path__)``).

What it answers: the import circles (each a list of modules), and which modules import what.
Nothing is imported or run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

Graph = dict[str, set[str]]  # module -> the modules (and outside names) it imports


def modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of ``packages`` (folders under ``root``), by its dotted name."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imported(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The dotted names ``module`` imports, relative imports resolved: ``from a import b`` names
    the module ``a.b`` when there is one, else ``a`` (a package's own API, or a module's)."""
    names: set[str] = set()
    here = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                names.add(submodule if submodule in known else base)
    return names


def _walks_its_folder(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr == "iter_modules" for node in ast.walk(tree)
    )


def import_graph(root: Path, packages: Iterable[str]) -> Graph:
    """Each module's imports: of the tree's own modules by their names (``from a import b``
    names ``a.b`` when that is a module, else ``a``), and of anything else by its top-level
    name (``slack_sdk``)."""
    known = modules(root, packages)
    ours = {m.split(".")[0] for m in known}
    graph: Graph = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for name in _imported(tree, module, is_package, set(known)):
            if name in known:
                edges.add(name)
            elif name.split(".")[0] not in ours:
                edges.add(name.split(".")[0])
        if is_package and _walks_its_folder(tree):
            edges.update(m for m in known if m.rpartition(".")[0] == module)
        edges.discard(module)
        graph[module] = edges
    return graph


def circles(graph: Graph) -> list[list[str]]:
    """Every import circle: the strongly connected groups of more than one module (or one that
    imports itself), each sorted, found by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def importers(graph: Graph, wanted: Iterable[str]) -> dict[str, set[str]]:
    """Each module that imports one of ``wanted`` (a top-level name, or a module and those under
    it), with what it imports of them."""
    wanted = tuple(wanted)
    result: dict[str, set[str]] = {}
    for module, edges in graph.items():
        hits = {e for e in edges if any(e == w or e.startswith(f"{w}.") for w in wanted)}
        if hits:
            result[module] = hits
    return result
