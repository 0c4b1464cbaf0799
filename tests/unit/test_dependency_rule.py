"""The dependency rule, checked transitively with `ast` over the project's own modules.

- Everything in domain/ but models, store, database_url, queries and services is pure: no
  database, no Slack, no templates, no scheduler, no charts, no web server, none of the impure
  domain.
- Nothing in domain/ reaches Slack, templates, the scheduler, charts, handlers, console or bot.
- handlers/ reach no models, store or SQLAlchemy (use cases in domain.services are the door)
  and never open or touch a session.
- Only the chart module imports matplotlib.

Deny-lists, not allow-lists: a new module is held to the rule of the folder it lands in.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.imports import (
    Violation,
    check_tree,
    load_project,
    matches,
    modules_under,
    session_uses,
    violations,
    write_tree,
)

ROOT = Path(__file__).resolve().parents[2]

IMPURE_DOMAIN = frozenset({"models", "store", "database_url", "queries", "services"})

OUTSIDE_DOMAIN = frozenset(
    {
        "slack_bolt",
        "slack_sdk",
        "jinja2",
        "apscheduler",
        "matplotlib",
        "handlers",
        "console",
        "bot",
    }
)
DATABASE = frozenset({"sqlalchemy"})
IMPURE = OUTSIDE_DOMAIN | DATABASE | {"flask", "gunicorn"} | {f"domain.{m}" for m in IMPURE_DOMAIN}
STORAGE = DATABASE | {"domain.models", "domain.store"}
USE_CASES = frozenset({"domain.services"})  # handlers' door to the domain: not looked behind
CHARTING = frozenset({"matplotlib"})
CHART_MODULE = "handlers.charts"


# The rules, each a function of the tree's root so the self-tests run them on synthetic trees.


def pure_violations(root: Path = ROOT) -> list[Violation]:
    """Pure domain modules reaching the database, Slack, the app or the impure domain."""
    domain = root / "domain"
    pure = [path for path in modules_under(domain) if _is_pure(path, domain)]
    return check_tree(dict.fromkeys(pure, IMPURE), root)


def domain_violations(root: Path = ROOT) -> list[Violation]:
    """Domain modules reaching Slack, templates, the scheduler, charts, handlers, console or bot."""
    return check_tree(dict.fromkeys(modules_under(root / "domain"), OUTSIDE_DOMAIN), root)


def handler_import_violations(root: Path = ROOT) -> list[Violation]:
    """Handlers reaching models, the store or SQLAlchemy other than through the use cases."""
    return check_tree(
        dict.fromkeys(modules_under(root / "handlers"), STORAGE), root, opaque=USE_CASES
    )


def handler_session_violations(root: Path = ROOT) -> list[Violation]:
    """Handlers opening or touching a database session."""
    found: list[Violation] = []
    for path in modules_under(root / "handlers"):
        found += session_uses(path.read_text(encoding="utf-8"), str(path.relative_to(root)))
    return found


def charting_violations(root: Path = ROOT) -> list[Violation]:
    """Modules other than the chart module that import matplotlib."""
    found: list[Violation] = []
    for module in load_project(root).values():
        if not matches(module.name, {CHART_MODULE}):
            found += [
                Violation(module.location, line, name)
                for line, name in module.imports
                if matches(name, CHARTING)
            ]
    return sorted(set(found), key=lambda v: (v.location, v.line, v.module))


def _is_pure(path: Path, domain: Path = ROOT / "domain") -> bool:
    first = path.relative_to(domain).parts[0]
    return first.removesuffix(".py") not in IMPURE_DOMAIN


def _report(found: list[Violation]) -> str:
    return "dependency rule broken:\n" + "\n".join(f"  {v}" for v in found)


# The real tree.


def test_pure_domain_modules_reach_no_database_slack_app_or_impure_domain() -> None:
    found = pure_violations()
    assert not found, _report(found)


def test_domain_reaches_neither_slack_templates_scheduler_charts_nor_the_app() -> None:
    found = domain_violations()
    assert not found, _report(found)


def test_handlers_reach_no_models_store_or_sqlalchemy() -> None:
    found = handler_import_violations()
    assert not found, _report(found)


def test_handlers_never_open_or_touch_a_session() -> None:
    found = handler_session_violations()
    assert not found, _report(found)


def test_only_the_chart_module_imports_matplotlib() -> None:
    found = charting_violations()
    assert not found, _report(found)


# The checker, on synthetic trees: it fails on each kind of violation.


def test_checker_fails_on_a_pure_module_importing_sqlalchemy(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"domain/forecast.py": "from sqlalchemy import select\n"})
    assert [str(v) for v in pure_violations(root)] == [
        "domain/forecast.py:1 imports sqlalchemy",
        "domain/forecast.py:1 imports sqlalchemy.select",
    ]


def test_checker_fails_on_a_pure_module_reaching_models_through_another(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "domain/models.py": "import sqlalchemy\n",
            "domain/scoring.py": '"""Pure."""\n\nfrom domain.helpers import weigh\n',
            "domain/helpers.py": "import math\nfrom domain.models import Product\n",
        },
    )
    assert [str(v) for v in pure_violations(root)] == [
        "domain/helpers.py:2 imports domain.models",
        "domain/helpers.py:2 imports domain.models.Product",
        "domain/scoring.py:3 imports domain.models (via domain.helpers)",
        "domain/scoring.py:3 imports domain.models.Product (via domain.helpers)",
    ]


def test_checker_follows_chains_through_parent_packages_and_relative_imports(
    tmp_path: Path,
) -> None:
    root = write_tree(
        tmp_path,
        {
            "domain/allocation/__init__.py": "from .solve import allocate\n",
            "domain/allocation/solve.py": "from ..queries import facts\n",
            "domain/queries.py": "",
            "domain/balance.py": "from domain.allocation.model import Candidate\n",
            "domain/allocation/model.py": "",
        },
    )
    found = {(v.location, v.module, v.via) for v in pure_violations(root)}
    assert (
        "domain/balance.py",
        "domain.queries",
        ("domain.allocation", "domain.allocation.solve"),
    ) in found
    assert ("domain/allocation/solve.py", "domain.queries", ()) in found


def test_impure_domain_modules_may_use_the_database_but_not_slack(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "domain/store.py": "import sqlalchemy\n",
            "domain/queries/facts.py": "from domain.store import Store\n",
            "domain/services/products.py": "from domain.queries.facts import x\nimport slack_sdk\n",
            "handlers/blocks.py": "",
            "domain/digest.py": "from handlers.blocks import section\n",
        },
    )
    assert pure_violations(root) == [
        Violation("domain/digest.py", 1, "handlers.blocks"),
        Violation("domain/digest.py", 1, "handlers.blocks.section"),
    ]
    assert [str(v) for v in domain_violations(root)] == [
        "domain/digest.py:1 imports handlers.blocks",
        "domain/digest.py:1 imports handlers.blocks.section",
        "domain/services/products.py:2 imports slack_sdk",
    ]


def test_checker_fails_on_a_handler_reaching_models_but_not_through_use_cases(
    tmp_path: Path,
) -> None:
    root = write_tree(
        tmp_path,
        {
            "domain/models.py": "import sqlalchemy\n",
            "domain/services/products.py": "from domain.models import Product\n",
            "handlers/portfolio.py": "from domain.services.products import ProductService\n",
            "handlers/lookup.py": "from handlers.util import find\n",
            "handlers/util.py": "from domain import models\n",
        },
    )
    assert [str(v) for v in handler_import_violations(root)] == [
        "handlers/lookup.py:1 imports domain.models (via handlers.util)",
        "handlers/util.py:1 imports domain.models",
    ]


def test_checker_fails_on_a_handler_opening_a_session(tmp_path: Path) -> None:
    source = (
        "def show(store, tenant, services):\n"
        "    with store.transaction('T1') as t:\n"
        "        t.add(1)\n"
        "    rows = tenant.session.scalars(q)\n"
        "    with services.store.system() as system:\n"
        "        pass\n"
        "    Session(engine)\n"
        "    services.products.list('T1')\n"
        "    installation_store.find_bot(team_id='T1')\n"
    )
    root = write_tree(tmp_path, {"handlers/portfolio.py": source})
    assert [str(v) for v in handler_session_violations(root)] == [
        "handlers/portfolio.py:2 opens a session with store.transaction()",
        "handlers/portfolio.py:4 touches .session",
        "handlers/portfolio.py:5 opens a session with store.system()",
        "handlers/portfolio.py:7 opens a session with Session()",
    ]


def test_checker_fails_on_matplotlib_outside_the_chart_module(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "handlers/charts/__init__.py": "from matplotlib.figure import Figure\n",
            "handlers/charts/axes.py": "import matplotlib.ticker\n",
            "handlers/planning.py": "from handlers.charts import bar_chart\n",
            "console/text.py": "import matplotlib.pyplot as plt\n",
            "domain/balance.py": "def chart():\n    import matplotlib\n",
        },
    )
    assert [str(v) for v in charting_violations(root)] == [
        "console/text.py:1 imports matplotlib.pyplot",
        "domain/balance.py:2 imports matplotlib",
    ]
    assert [str(v) for v in domain_violations(root)] == ["domain/balance.py:2 imports matplotlib"]


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
    source = (
        "import slack_bolt_helpers\nfrom domain.handlers_util import x\nimport botany\n"
        "from domain.models_help import y\nimport domain.storefront\n"
    )
    assert violations(source, "domain/ok.py", "domain.ok", IMPURE) == []


def test_every_domain_module_but_models_store_queries_and_services_is_pure() -> None:
    domain = ROOT / "domain"
    assert _is_pure(domain / "money.py")
    assert _is_pure(domain / "grammar" / "tokens.py")
    assert _is_pure(domain / "forecasting.py")  # a new module is pure without being listed
    assert _is_pure(domain / "__init__.py")
    assert not _is_pure(domain / "store.py")
    assert not _is_pure(domain / "models.py")
    assert not _is_pure(domain / "queries.py")
    assert not _is_pure(domain / "queries" / "facts.py")
    assert not _is_pure(domain / "services" / "products.py")
