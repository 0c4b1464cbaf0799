"""One variance-limited programme solved at many limits: the frontier's sweep, made fast.

The frontier solves the allocation's integer programme again and again with one more row,
Σ variance·x ≤ ε, for rising ε. `Sweep` builds that programme once in HiGHS (the copy SciPy
bundles, `scipy.optimize._highspy`) and changes only the row's bound between solves; it
passes the previous limit's answer, which the wider limit still admits, as a starting
solution. The answers stay exact: the MIP gap is zero as in `program.solve`, every answer is
checked against every row in exact integers, and one that slipped through a tolerance is
solved again the plain way (SciPy's `milp`, with its no-good cuts). The options below only
change how HiGHS searches, never what it proves:

- presolve on (off in `program.solve`): with the options below, about a third less time;
- no RINS/RENS sub-MIPs, no feasibility jump: the starting solution and the root's own
  heuristics find the incumbent, and these spend most of the time on such small programmes;
- no restarts: after reduced-cost fixing a restart repeats the root's work for little.

A good starting solution matters more than any option (handing HiGHS each level's own optimum
cuts the sweep's time by two thirds). Before each level, `_core` solves the LP relaxation,
fixes every free product but the `_CORE` with the smallest reduced cost at its LP value, and
solves that small programme; its answer, when it beats the level below's, is the start. It
is only a start: the full programme is then solved exactly, as without it.

HiGHS 1.12 prints a line to stdout (`…transformNewIntegerFeasibleSolution tmpSolver.run();`)
when it repairs a candidate solution, whatever `output_flag` says. Where stdout is what a
person reads (the console, which calls `silence_solver_output()` at start), `quiet` points
file descriptor 1 at /dev/null for the length of each solve (the frontier wraps its `milp`
solves in it too); Python's own stdout is flushed first. Anywhere else it does nothing:
descriptor 1 is process-wide, and in HTTP mode it carries gunicorn's access log, whose lines
written during a solve would be lost (and one lock would serialise every solve).

When `scipy.optimize._highspy` cannot be imported (it is private to SciPy), `Sweep` solves
each limit with `program.solve`, which gives the same answers more slowly.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from domain.allocation.program import Constraint, Program, Solution, holds, solve

_UNLOADED: Any = object()
_highs: Any = _UNLOADED  # SciPy's bundled HiGHS bindings, imported on the first sweep


def fast_available() -> bool:
    """Whether SciPy's private HiGHS bindings load (imported here, on first use: SciPy takes
    seconds to import, so nothing imports it before a solve needs it)."""
    global _highs
    if _highs is _UNLOADED:
        try:  # private to SciPy: keep the plain path when a SciPy release moves it
            from scipy.optimize._highspy import _core
        except ImportError:  # pragma: no cover - tests set `_highs` to None instead
            _highs = None
        else:
            _highs = _core
    return _highs is not None


_OPTIONS: dict[str, Any] = {
    "output_flag": False,
    "mip_rel_gap": 0.0,  # exact, as program.solve
    "presolve": "on",
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_allow_restart": False,
}
_CORE = 60  # free products left free when looking for a starting selection
_STDOUT_LOCK = threading.RLock()
_silenced = False


class Sweep:
    """Maximise the programme's objective within Σ weights·x ≤ limit, for limit after limit.

    `fast=False` (or no `_highspy`) solves each limit with `program.solve` instead.
    """

    def __init__(
        self,
        program: Program,
        fixed: dict[int, int],
        weights: list[int],
        time_limit: float,
        *,
        fast: bool = True,
    ) -> None:
        self.program = program
        self.fixed = fixed
        self.weights = weights
        self.time_limit = time_limit
        self.members = list(range(len(program.candidates)))
        self.free = [i for i in self.members if i not in fixed]
        self.base = {i for i, v in fixed.items() if v == 1}
        self._offset = sum(weights[i] for i in self.base)
        self._highs: Any = None
        self._lp: Any = None
        if fast and fast_available() and self.free:
            self._highs = _model(program, fixed, self.free, weights)
            if len(self.free) > 2 * _CORE:  # smaller programmes are quick without a start
                self._lp = _model(program, fixed, self.free, weights)
                count = len(self.free)
                self._lp.changeColsIntegrality(
                    count,
                    np.arange(count, dtype=np.int32),
                    np.array([_highs.HighsVarType.kContinuous] * count),
                )

    @property
    def fast(self) -> bool:
        """Whether the limits are solved in one reused HiGHS model."""
        return self._highs is not None

    def row(self, limit: int) -> Constraint:
        """The variance row at one limit."""
        return Constraint(self.members, None, limit, weights=self.weights)

    def solve(self, limit: int, start: set[int] | None = None) -> Solution:
        """The best selection within `limit`; `start` is a selection known to meet it.

        `time_limit` bounds the whole level, the search for a start included.
        """
        rows = [*self.program.constraints, self.row(limit)]
        if self._highs is None:
            return self._plain(rows)
        deadline = time.monotonic() + self.time_limit
        highs = self._highs
        highs.changeRowBounds(len(rows) - 1, -math.inf, float(limit - self._offset))
        core = self._core(limit, rows, deadline)
        if core is not None and (start is None or self._value(core) > self._value(start)):
            start = core
        if start is not None:
            hint = _highs.HighsSolution()
            hint.col_value = [1.0 if i in start else 0.0 for i in self.free]
            hint.value_valid = True
            highs.setSolution(hint)
        _limit_time(highs, deadline)
        with quiet():
            highs.run()
        info = highs.getInfo()
        status = _status(highs.getModelStatus())
        if info.primal_solution_status != _highs.kSolutionStatusFeasible:
            return Solution(None, status, math.inf, None)
        values = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        chosen = self.base | {self.free[p] for p in np.flatnonzero(np.round(values) == 1)}
        if not all(holds(self.program, row, chosen) for row in rows):
            return self._plain(rows)  # a tolerance let it slip: the plain path repairs that
        fixed_value = float(self.program.objective[list(self.base)].sum()) if self.base else 0.0
        bound = -float(info.mip_dual_bound) + fixed_value
        return Solution(chosen, status, float(info.mip_gap), bound)

    def _core(self, limit: int, rows: list[Constraint], deadline: float) -> set[int] | None:
        """A good starting selection: the programme with all but its core fixed (see above).

        The core is the `_CORE` free products whose LP reduced cost is smallest; the others
        keep their LP value. None when the LP or the small programme fails, or its answer
        misses a row in exact integers.
        """
        if self._lp is None:
            return None
        lp, highs = self._lp, self._highs
        lp.changeRowBounds(len(rows) - 1, -math.inf, float(limit - self._offset))
        _limit_time(lp, deadline)
        with quiet():
            lp.run()
        if lp.getModelStatus() != _highs.HighsModelStatus.kOptimal:
            return None
        relaxed = lp.getSolution()
        order = np.argsort(np.abs(np.asarray(relaxed.col_dual)), kind="stable")
        rest = np.sort(order[_CORE:]).astype(np.int32)
        values = np.round(np.asarray(relaxed.col_value, dtype=np.float64)[rest])
        highs.changeColsBounds(len(rest), rest, values, values)
        try:
            _limit_time(highs, deadline)
            with quiet():
                highs.run()
            found = highs.getInfo().primal_solution_status == _highs.kSolutionStatusFeasible
            picked = np.asarray(highs.getSolution().col_value, dtype=np.float64) if found else None
        finally:
            highs.changeColsBounds(len(rest), rest, np.zeros(len(rest)), np.ones(len(rest)))
        if picked is None:
            return None
        chosen = self.base | {self.free[p] for p in np.flatnonzero(np.round(picked) == 1)}
        return chosen if all(holds(self.program, row, chosen) for row in rows) else None

    def _value(self, chosen: set[int]) -> float:
        return float(sum(self.program.objective[i] for i in chosen))

    def _plain(self, rows: list[Constraint]) -> Solution:
        with quiet():
            return solve(self.program, rows, self.fixed, self.program.objective, self.time_limit)


def _model(program: Program, fixed: dict[int, int], free: list[int], weights: list[int]) -> Any:
    """The programme over the free binaries with the variance row last, unbounded for now."""
    assert fast_available()
    position = {i: p for p, i in enumerate(free)}
    starts = [0]
    index: list[int] = []
    value: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    variance = Constraint(list(range(len(program.candidates))), None, None, weights=weights)
    for constraint in [*program.constraints, variance]:
        offset = 0
        for i in constraint.members:
            coefficient = constraint.coefficient(program, i)
            if i in position and coefficient != 0:
                index.append(position[i])
                value.append(float(coefficient))
            elif fixed.get(i) == 1:
                offset += coefficient
        starts.append(len(index))
        lower.append(-math.inf if constraint.lower is None else constraint.lower - offset)
        upper.append(math.inf if constraint.upper is None else constraint.upper - offset)
    rows = len(lower)
    lp = _highs.HighsLp()
    lp.num_col_ = len(free)
    lp.num_row_ = rows
    lp.col_cost_ = -program.objective[free]
    lp.col_lower_ = np.zeros(len(free))
    lp.col_upper_ = np.ones(len(free))
    lp.row_lower_ = np.array(lower)
    lp.row_upper_ = np.array(upper)
    lp.a_matrix_.format_ = _highs.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = len(free)
    lp.a_matrix_.num_row_ = rows
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value, dtype=np.float64)
    lp.integrality_ = [_highs.HighsVarType.kInteger] * len(free)
    highs = _highs._Highs()
    for name, setting in _OPTIONS.items():
        highs.setOptionValue(name, setting)
    highs.passModel(lp)
    return highs


def _limit_time(highs: Any, deadline: float) -> None:
    """Stop the next run at `deadline` (HiGHS 1.x times runs on one clock that runs on)."""
    left = max(deadline - time.monotonic(), 0.001)
    highs.setOptionValue("time_limit", float(highs.getRunTime() + left))


def _status(model_status: Any) -> int:
    """HiGHS' model status as `milp` numbers it: 0 optimal, 1 a limit, 2 infeasible, …"""
    assert fast_available()
    kinds = _highs.HighsModelStatus
    if model_status == kinds.kOptimal:
        return 0
    if model_status in (kinds.kTimeLimit, kinds.kIterationLimit, kinds.kSolutionLimit):
        return 1
    if model_status == kinds.kInfeasible:
        return 2
    if model_status in (kinds.kUnbounded, kinds.kUnboundedOrInfeasible):
        return 3
    return 4


def silence_solver_output(enabled: bool = True) -> None:
    """Send HiGHS' stray stdout line to /dev/null from now on (the console's transcript)."""
    global _silenced
    _silenced = enabled


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """File descriptor 1 points at /dev/null meanwhile (HiGHS' stray printf goes there),
    once `silence_solver_output()` was called; otherwise nothing changes."""
    if not _silenced:
        yield
        return
    with _STDOUT_LOCK:
        try:
            saved = os.dup(1)
        except OSError:  # no stdout at all: nothing to keep clean
            yield
            return
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        sink = os.open(os.devnull, os.O_WRONLY)
        os.dup2(sink, 1)
        try:
            yield
        finally:
            _flush_c_stdout()
            os.dup2(saved, 1)
            os.close(saved)
            os.close(sink)


def _flush_c_stdout() -> None:
    """Flush C's stdio buffers, so the printf lands in /dev/null, not in the next write."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).fflush(None)
