"""Deciding under uncertainty: what-ifs and scenarios, the frontier, forecasts, calibration.

scenarios (whatif, scenario), forecasts (frontier, forecast, /roadmap forecast) and
calibration (outcome, calibration) each hold their subcommands and their wording; words
holds what they share (and what the roadmap and the digests reuse).
"""

from __future__ import annotations

from domain.commands.uncertainty import (
    CALIBRATION_USAGE,
    FORECAST_USAGE,
    FRONTIER_USAGE,
    OUTCOME_USAGE,
    ROADMAP_FORECAST_USAGE,
    SCENARIO_USAGE,
    WHATIF_USAGE,
)
from handlers.commands import CommandSet
from handlers.uncertainty.calibration import record_outcome, show_calibration
from handlers.uncertainty.forecasts import show_forecast, show_frontier, show_item_forecast
from handlers.uncertainty.scenarios import run_scenario, run_whatif


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio whatif, scenario, frontier, forecast, outcome, calibration; /roadmap forecast."""
    portfolio.add(
        "whatif",
        WHATIF_USAGE,
        run_whatif,
        examples=(
            "/portfolio whatif allocate -15%",
            "/portfolio whatif allocate 1.7m | drop CHK | set MOB confidence 40%",
        ),
        words=(("set fields", ("investment", "return", "confidence", "category")),),
    )
    portfolio.add(
        "scenario",
        SCENARIO_USAGE,
        run_scenario,
        examples=(
            "/portfolio scenario save lean allocate 1.5m | drop LEG",
            "/portfolio scenario compare lean",
        ),
        words=(("verbs", ("save", "list", "show", "compare", "apply", "drop")),),
    )
    portfolio.add(
        "frontier",
        FRONTIER_USAGE,
        show_frontier,
        examples=("/portfolio frontier", "/portfolio frontier 2m | min Growth 30%"),
    )
    portfolio.add(
        "forecast",
        FORECAST_USAGE,
        show_forecast,
        examples=("/portfolio forecast", "/portfolio forecast | target 3m"),
    )
    portfolio.add(
        "outcome",
        OUTCOME_USAGE,
        record_outcome,
        examples=(
            "/portfolio outcome CHK success | realised 350k",
            "/portfolio outcome LEG failure | on 2027-06-30",
        ),
        words=(("outcomes", ("success", "failure")),),
    )
    portfolio.add(
        "calibration",
        CALIBRATION_USAGE,
        show_calibration,
        examples=("/portfolio calibration",),
    )
    roadmap.add(
        "forecast",
        ROADMAP_FORECAST_USAGE,
        show_item_forecast,
        examples=("/roadmap forecast CHK",),
    )
