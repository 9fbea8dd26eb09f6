"""The package's shape: layers import one way only, and no module imports itself round a cycle.

Read with `ast` from the source files, so a function-local or type-only import counts like any
other: a cycle hidden inside a function is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "events_app"

# Each layer and what it may not import (outside itself, within events_app).
FORBIDDEN = {
    "domain": ("data", "services", "web", "app", "cli", "settings"),
    "data": ("services", "web", "app", "cli"),
    "services": ("web", "app", "cli"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")
            if "migrations" not in path.relative_to(PACKAGE).parts}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The events_app modules this module imports, whatever the form of the import."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from events_app.services import places` imports the module places.
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {module for module in found if module in known and module != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_layers_import_one_way() -> None:
    broken = sorted(
        f"{module} imports {imported}"
        for module, imported_set in _graph().items()
        for imported in imported_set
        if _layer(imported) in FORBIDDEN.get(_layer(module), ())
    )
    assert broken == []


def test_domain_imports_neither_the_web_framework_nor_the_database() -> None:
    outside = ("starlette", "sqlalchemy", "databases", "aiosqlite", "asyncpg", "jinja2")
    found = []
    for name, path in _modules().items():
        if _layer(name) != "domain":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{name} imports {imported}" for imported in names if imported.split(".")[0] in outside]
    assert found == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles() -> None:
    # A package's __init__ that gathers its modules' routes is not a cycle with them.
    graph = {module: {imported for imported in targets if not module.startswith(imported + ".")}
             for module, targets in _graph().items()}
    assert _cycles(graph) == []


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
    ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
])
def test_cycle_finder_finds_exactly_the_cycles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected


def test_import_reader_sees_function_local_and_type_only_imports(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from events_app.services.checkin import door\n"
        "def later():\n    from events_app.services.visits import transport\n",
        encoding="utf-8")
    known = {"events_app.services.checkin.door", "events_app.services.visits.transport", "events_app.services.checkin"}
    assert _imports("events_app.data.sample", source, known) == {
        "events_app.services.checkin.door", "events_app.services.visits.transport"}
