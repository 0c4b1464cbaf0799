"""Start-up pays only for what it uses: SciPy and matplotlib load when first needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def loaded_after(code: str) -> set[str]:
    """The heavy top-level packages loaded after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(out.split()) & {"scipy", "matplotlib"}


def test_building_the_app_imports_neither_scipy_nor_matplotlib() -> None:
    assert loaded_after("import bot, handlers, domain.services, console") == set()


def test_a_chart_or_a_solve_loads_what_it_needs() -> None:
    assert loaded_after("from handlers import charts\ncharts.Bar") == {"matplotlib"}
    solve = "from decimal import Decimal as D\nfrom domain.finance import irr\n"
    assert "scipy" in loaded_after(solve + "irr([D(-100), D(60), D(60)])")
