"""Walks a project's imports with `ast`, transitively, for the dependency-rule test."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

NOT_PROJECT_CODE = frozenset({"tests", "migrations", "templates"})


@dataclass(frozen=True)
class Violation:
    """One forbidden dependency: where it starts, what it reaches, and through which modules."""

    location: str
    line: int
    module: str
    via: tuple[str, ...] = ()
    verb: str = "imports"

    def __str__(self) -> str:
        chain = f" (via {' -> '.join(self.via)})" if self.via else ""
        return f"{self.location}:{self.line} {self.verb} {self.module}{chain}"


@dataclass(frozen=True)
class Module:
    """A project module: its dotted name, file, and every (line, name) it imports."""

    name: str
    path: Path
    location: str
    imports: tuple[tuple[int, str], ...]


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


def matches(name: str, forbidden: Iterable[str]) -> bool:
    """Whether a dotted name is one of forbidden, or inside one (`sqlalchemy.orm` is sqlalchemy)."""
    return any(name == f or name.startswith(f + ".") for f in forbidden)


def violations(
    source: str, location: str, module: str, forbidden: frozenset[str], *, is_package: bool = False
) -> list[Violation]:
    """The imports written in source (not followed further) that are forbidden."""
    found = {
        Violation(location, line, name)
        for line, name in imported_modules(source, module, is_package=is_package)
        if matches(name, forbidden)
    }
    return sorted(found, key=lambda v: (v.line, v.module))


def load_project(root: Path) -> dict[str, Module]:
    """Every module of the project under root (packages and top-level scripts; no tests)."""
    modules: dict[str, Module] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "_")) or entry.name in NOT_PROJECT_CODE:
            continue
        if entry.is_dir() and (entry / "__init__.py").exists():
            paths = sorted(p for p in entry.rglob("*.py") if "__pycache__" not in p.parts)
        elif entry.suffix == ".py":
            paths = [entry]
        else:
            continue
        for path in paths:
            module = _load(path, root)
            modules[module.name] = module
    return modules


def check_tree(
    forbidden_for: Mapping[Path, frozenset[str]],
    root: Path,
    *,
    opaque: frozenset[str] = frozenset(),
) -> list[Violation]:
    """Each file's forbidden imports, followed through the project's modules (not into opaque)."""
    project = load_project(root)
    found: list[Violation] = []
    for path in sorted(forbidden_for):
        start = project.get(_module_name(path, root)) or _load(path, root)
        found += reachable_violations(start, project, forbidden_for[path], opaque=opaque)
    return found


def reachable_violations(
    start: Module,
    project: Mapping[str, Module],
    forbidden: frozenset[str],
    *,
    opaque: frozenset[str],
) -> list[Violation]:
    """Forbidden names start imports, directly or through any chain of project modules."""
    found: list[Violation] = []
    seen = {start.name}
    queue: deque[tuple[Module, int, tuple[str, ...]]] = deque([(start, 0, ())])
    while queue:
        module, first_line, via = queue.popleft()
        for line, name in module.imports:
            at = line if not via else first_line
            if matches(name, forbidden):
                found.append(Violation(start.location, at, name, via))
                continue
            for target in _targets(name, project):
                if target in seen or matches(target, opaque):
                    continue
                seen.add(target)
                queue.append((project[target], at, (*via, target)))
    return sorted(set(found), key=lambda v: (v.line, len(v.via), v.via, v.module))


def session_uses(source: str, location: str) -> list[Violation]:
    """Every place source opens a database session or touches one (ast, not text)."""
    found: set[Violation] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in {"session", "system_transaction"}:
            found.add(Violation(location, node.lineno, f".{node.attr}", verb="touches"))
        elif isinstance(node, ast.Call):
            opened = _opened_session(node.func)
            if opened:
                found.add(Violation(location, node.lineno, opened, verb="opens a session with"))
    return sorted(found, key=lambda v: (v.line, v.module))


def _load(path: Path, root: Path) -> Module:
    name = _module_name(path, root)
    source = path.read_text(encoding="utf-8")
    is_package = path.name == "__init__.py"
    imports = tuple(imported_modules(source, name, is_package=is_package))
    return Module(name, path, str(path.relative_to(root)), imports)


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(name: str, project: Mapping[str, Module]) -> list[str]:
    """The project modules importing name runs: the module itself and its parent packages."""
    parts = name.split(".")
    prefixes = [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
    known = [prefix for prefix in prefixes if prefix in project]
    return known[-1:] + known[:-1][::-1] if known else []


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


def _opened_session(func: ast.expr) -> str | None:
    """`Session(`, `sessionmaker(`, `store.transaction(`, `store.read(`, `store.system(`."""
    if isinstance(func, ast.Name) and func.id in {"Session", "sessionmaker", "scoped_session"}:
        return f"{func.id}()"
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr in {"Session", "sessionmaker", "scoped_session"}:
        return f"{func.attr}()"
    receiver = func.value
    owner = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
    if owner.lstrip("_") == "store" and func.attr in {"transaction", "read", "system"}:
        return f"store.{func.attr}()"
    return None


def modules_under(package_dir: Path) -> list[Path]:
    """Every Python file under a package folder (there must be some)."""
    modules = sorted(p for p in package_dir.rglob("*.py") if "__pycache__" not in p.parts)
    assert modules, f"no Python modules found under {package_dir}"
    return modules


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """A synthetic project: each package gets an __init__.py unless one is given."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        for parent in path.relative_to(root).parents:
            if parent.parts and not (root / parent / "__init__.py").exists():
                (root / parent / "__init__.py").write_text("", encoding="utf-8")
    return root
