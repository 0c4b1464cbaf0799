"""The dependency rule: domain/ knows nothing of Slack, templates or scheduling; handlers no SQL."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "domain"
HANDLERS = ROOT / "handlers"

OUTSIDE_DOMAIN = frozenset({"slack_bolt", "slack_sdk", "jinja2", "apscheduler", "handlers", "bot"})
DATABASE = frozenset({"sqlalchemy"})
PURE_MODULES = frozenset(
    {
        "money",
        "dates",
        "grammar",
        "chat_grammar",
        "finance",
        "ranking",
        "prioritisation",
        "allocation",
        "balance",
        "schedule",
        "csv_format",
    }
)


@dataclass(frozen=True)
class Violation:
    """One forbidden import: where it is and what it brings in."""

    location: str
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.location}:{self.line} imports {self.module}"


def imported_modules(source: str, module: str, *, is_package: bool) -> Iterator[tuple[int, str]]:
    """Every (line, absolute module name) that source imports, relative imports resolved."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, module, is_package=is_package)
            if base:
                yield node.lineno, base
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, first.value


def violations(
    source: str, location: str, module: str, forbidden: frozenset[str], *, is_package: bool = False
) -> list[Violation]:
    """The imports in source whose top-level package is in forbidden."""
    found = []
    for line, name in imported_modules(source, module, is_package=is_package):
        if name.split(".")[0] in forbidden:
            found.append(Violation(location, line, name))
    return sorted(set(found), key=lambda v: (v.line, v.module))


def check_tree(forbidden_for: dict[Path, frozenset[str]], root: Path = ROOT) -> list[Violation]:
    """Check each module file (under root) against the forbidden set given for it."""
    found: list[Violation] = []
    for path in sorted(forbidden_for):
        relative = path.relative_to(root)
        parts = relative.with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        source = path.read_text(encoding="utf-8")
        forbidden = forbidden_for[path]
        found += violations(source, str(relative), module, forbidden, is_package=is_package)
    return found


def _resolve(name: str | None, level: int, module: str, *, is_package: bool) -> str:
    if level == 0:
        return name or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    anchor = package[: len(package) - (level - 1)] if level - 1 <= len(package) else []
    return ".".join([*anchor, *([name] if name else [])])


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _is_pure(path: Path) -> bool:
    first = path.relative_to(DOMAIN).parts[0]
    return first.removesuffix(".py") in PURE_MODULES


def _report(found: list[Violation]) -> str:
    return "forbidden imports:\n" + "\n".join(f"  {v}" for v in found)


def _modules(package_dir: Path) -> list[Path]:
    modules = sorted(package_dir.rglob("*.py"))
    assert modules, f"no Python modules found under {package_dir}"
    return modules


def test_domain_imports_neither_slack_templates_scheduler_nor_handlers() -> None:
    found = check_tree({path: OUTSIDE_DOMAIN for path in _modules(DOMAIN)})
    assert not found, _report(found)


def test_pure_domain_modules_do_not_import_sqlalchemy() -> None:
    pure = [path for path in _modules(DOMAIN) if _is_pure(path)]
    found = check_tree(dict.fromkeys(pure, DATABASE))
    assert not found, _report(found)


def test_handlers_do_not_import_sqlalchemy() -> None:
    found = check_tree(dict.fromkeys(_modules(HANDLERS), DATABASE))
    assert not found, _report(found)


def test_tree_check_names_the_offending_file_and_line(tmp_path: Path) -> None:
    services = tmp_path / "domain" / "services"
    services.mkdir(parents=True)
    (tmp_path / "domain" / "__init__.py").write_text("")
    (services / "__init__.py").write_text("from ...handlers import blocks\n")
    (services / "products.py").write_text('"""Fine."""\n\nimport jinja2\n')
    rules = dict.fromkeys((tmp_path / "domain").rglob("*.py"), OUTSIDE_DOMAIN)
    found = check_tree(rules, root=tmp_path)
    assert [str(v) for v in found] == [
        "domain/services/__init__.py:1 imports handlers",
        "domain/services/__init__.py:1 imports handlers.blocks",
        "domain/services/products.py:3 imports jinja2",
    ]


def test_checker_reports_file_and_line_of_each_forbidden_import() -> None:
    source = (
        '"""A domain module gone wrong."""\n'
        "import os\n"
        "import slack_bolt\n"
        "from jinja2 import Environment\n"
        "import apscheduler.schedulers.background as sched\n"
        "from bot import main\n"
    )
    found = violations(source, "domain/bad.py", "domain.bad", OUTSIDE_DOMAIN)
    assert [str(v) for v in found] == [
        "domain/bad.py:3 imports slack_bolt",
        "domain/bad.py:4 imports jinja2",
        "domain/bad.py:4 imports jinja2.Environment",
        "domain/bad.py:5 imports apscheduler.schedulers.background",
        "domain/bad.py:6 imports bot",
        "domain/bad.py:6 imports bot.main",
    ]


def test_checker_resolves_relative_imports_out_of_the_package() -> None:
    source = "from ..handlers import blocks\nfrom .. import handlers\nfrom . import money\n"
    found = violations(source, "domain/bad.py", "domain.bad", OUTSIDE_DOMAIN)
    assert [(v.line, v.module) for v in found] == [
        (1, "handlers"),
        (1, "handlers.blocks"),
        (2, "handlers"),
    ]


def test_checker_resolves_relative_imports_inside_a_subpackage() -> None:
    source = "from ...handlers.blocks import render\n"
    found = violations(
        source, "domain/grammar/__init__.py", "domain.grammar", OUTSIDE_DOMAIN, is_package=True
    )
    assert [v.module for v in found] == ["handlers.blocks", "handlers.blocks.render"]


def test_checker_catches_imports_inside_functions_and_type_checking_blocks() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sqlalchemy.orm import Session\n"
        "def load():\n"
        "    import importlib\n"
        "    return importlib.import_module('sqlalchemy')\n"
    )
    found = violations(source, "domain/money.py", "domain.money", DATABASE)
    assert [(v.line, v.module) for v in found] == [
        (3, "sqlalchemy.orm"),
        (3, "sqlalchemy.orm.Session"),
        (6, "sqlalchemy"),
    ]


def test_checker_ignores_names_that_only_look_alike() -> None:
    source = "import slack_bolt_helpers\nfrom domain.handlers_util import x\nimport botany\n"
    assert violations(source, "domain/ok.py", "domain.ok", OUTSIDE_DOMAIN) == []


def test_only_pure_modules_are_held_to_the_sqlalchemy_ban() -> None:
    assert _is_pure(DOMAIN / "money.py")
    assert _is_pure(DOMAIN / "grammar" / "tokens.py")
    assert not _is_pure(DOMAIN / "store.py")
    assert not _is_pure(DOMAIN / "services" / "products.py")
