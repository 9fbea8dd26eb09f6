"""Every audit code a service writes has a description people read in the workspace."""

from __future__ import annotations

import ast
from pathlib import Path

from events_app import i18n
from events_app.domain import audit
from tests.conftest import ROOT


class Unresolved(Exception):
    pass


def _is_record_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit")


def _codes(node: ast.expr, module: ast.Module, seen: frozenset[str] = frozenset()) -> set[str]:
    """The strings `node` can be: literals, either branch of `a if c else b`, a dict's values
    looked up by key, or a name bound to those in its module (an assignment, a parameter's
    default, or a keyword argument of that name)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body, module, seen) | _codes(node.orelse, module, seen)
    if isinstance(node, ast.Subscript):
        return _codes(node.value, module, seen)
    if isinstance(node, ast.Dict):
        return set().union(*(_codes(value, module, seen) for value in node.values))
    if isinstance(node, ast.Name) and node.id not in seen:
        bound = _bindings(node.id, module)
        if bound:
            return set().union(*(_codes(value, module, seen | {node.id}) for value in bound))
    raise Unresolved(ast.unparse(node))


def _bindings(name: str, module: ast.Module) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(module):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found.append(node.value)
        elif (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name
              and node.value is not None):
            found.append(node.value)
        elif isinstance(node, ast.arguments):
            positional = node.posonlyargs + node.args
            defaults = dict(zip([a.arg for a in positional[len(positional) - len(node.defaults):]], node.defaults,
                                strict=True))
            defaults.update({a.arg: d for a, d in zip(node.kwonlyargs, node.kw_defaults, strict=True) if d})
            if name in defaults:
                found.append(defaults[name])
        elif isinstance(node, ast.keyword) and node.arg == name and not (
                isinstance(node.value, ast.Name) and node.value.id == name):
            found.append(node.value)
    return found


def written_codes() -> tuple[set[str], list[str]]:
    """Every action code the code base can write, and the calls whose code cannot be read."""
    codes: set[str] = set()
    unresolved: list[str] = []
    for path in sorted(Path(ROOT, "events_app").rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(module):
            if not _is_record_call(node):
                continue
            assert isinstance(node, ast.Call)
            action = next((k.value for k in node.keywords if k.arg == "action"), None)
            try:
                if action is None:
                    raise Unresolved("no action=")
                codes |= _codes(action, module)
            except Unresolved as problem:
                unresolved.append(f"{path.relative_to(ROOT)}:{node.lineno}: {problem}")
    return codes, unresolved


def test_every_written_audit_code_has_a_description_and_every_description_a_code() -> None:
    codes, unresolved = written_codes()

    assert unresolved == []  # write the code as a literal (or a dict of literals) so it can be checked
    assert codes - set(audit.ACTIONS) == set()
    assert set(audit.ACTIONS) - codes == set()


def test_descriptions_read_in_russian_and_english() -> None:
    with i18n.language("ru"):
        russian = {code: i18n.gettext(text) for code, text in audit.ACTIONS.items()}
        actor = i18n.gettext(audit.ACTORS[audit.COMMAND_LINE])
    with i18n.language("en"):
        english = {code: i18n.gettext(text) for code, text in audit.ACTIONS.items()}

    assert russian["device.create"] == "Добавлено устройство для входа"
    assert russian["registration.approve"] == "Регистрация одобрена"
    assert english["device.create"] == "Door device added"
    assert actor == "командная строка"
    assert [code for code in audit.ACTIONS if russian[code] == english[code]] == []
