"""Ranking products by ROI, risk-adjusted ROI, NPV or a weighted score.

The ordering is computed on NumPy float64 arrays and is exactly the ordering of the
Decimal values people see: every value is rounded to its display precision (ROI and
score to 4 places, NPV to cents) into an integer "bucket", and the few floats that lie
too close to a rounding boundary to be trusted are recomputed in Decimal. Rows are sorted
by (has a value, value descending, key ascending), so ties and "n/a" rank by key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

import numpy as np
import numpy.typing as npt

from domain import finance
from domain.errors import InvalidInput

MEASURES = ("roi", "risk", "npv", "score")
COMPONENTS = ("roi", "risk", "npv", "alignment")

_PLACES = {"roi": 4, "risk": 4, "npv": 2, "alignment": 4, "score": 4}
_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)
_SAFE = float(2**52)
_SCORE_QUANTUM = Decimal(1).scaleb(-_PLACES["score"])
_NOT_AVAILABLE = {
    "roi": "n/a: no investment",
    "risk": "n/a: no investment",
    "npv": "n/a: no cash flows",
    "alignment": "n/a",
}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class RankInput:
    """One product as the ranking sees it; confidence is a fraction 0..1."""

    key: str
    name: str
    owner_id: str | None
    category: str
    stage: str
    health: str
    investment: Decimal
    expected_return: Decimal
    confidence: Decimal
    cashflows: tuple[Decimal, ...] = ()
    alignment: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the score's measures, fractions summing to 1."""

    roi: Decimal = Decimal(0)
    risk: Decimal = Decimal(0)
    npv: Decimal = Decimal(0)
    alignment: Decimal = Decimal(0)

    def items(self) -> tuple[tuple[str, Decimal], ...]:
        """The (measure, weight) pairs in a fixed order."""
        return (
            ("roi", self.roi),
            ("risk", self.risk),
            ("npv", self.npv),
            ("alignment", self.alignment),
        )


DEFAULT_WEIGHTS = Weights(
    roi=Decimal("0.25"), risk=Decimal("0.25"), npv=Decimal("0.25"), alignment=Decimal("0.25")
)


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One measure's share of a score; `note` says when the measure was n/a (contributing 0)."""

    measure: str
    weight: Decimal
    normalised: Decimal
    contribution: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class Ranked:
    """A ranked product; value None is shown as "n/a" and ranked last."""

    position: int
    item: RankInput
    value: Decimal | None
    parts: tuple[ScorePart, ...] = ()


def _check_measure(measure: str) -> str:
    name = measure.strip().lower()
    if name in MEASURES:
        return name
    close = difflib.get_close_matches(name, MEASURES, n=1, cutoff=0.5)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    raise InvalidInput(
        f"There is no measure `{measure}`.{hint} Rank by one of: {', '.join(MEASURES)}. "
        "Example: `/portfolio rank roi top 10`."
    )


def measure_value(item: RankInput, measure: str, *, discount_rate: Decimal) -> Decimal | None:
    """The exact, display-rounded value of roi, risk, npv or alignment for one product."""
    if measure == "roi":
        return finance.roi(item.investment, item.expected_return)
    if measure == "risk":
        return finance.risk_adjusted_roi(item.investment, item.expected_return, item.confidence)
    if measure == "npv":
        return finance.npv(discount_rate, item.cashflows) if item.cashflows else None
    if measure == "alignment":
        with localcontext(_CONTEXT):
            return item.alignment.quantize(Decimal(1).scaleb(-_PLACES["alignment"]))
    if measure.strip().lower() == "score":
        raise InvalidInput(
            "A score compares products with each other, so it exists only in a ranking. "
            "Example: `/portfolio rank score`."
        )
    _check_measure(measure)
    raise InvalidInput(f"`{measure}` is not a measure of one product.")


_WEIGHT_PAIR = re.compile(r"([A-Za-z][A-Za-z_-]*)\s*[:=]?\s*([-+]?\d+(?:[.,]\d+)?)\s*(%?)")
_WEIGHT_NAMES = {
    "roi": "roi",
    "risk": "risk",
    "risk-adjusted": "risk",
    "npv": "npv",
    "alignment": "alignment",
    "align": "alignment",
    "objectives": "alignment",
}
_WEIGHTS_EXAMPLE = "Example: `/portfolio weights roi 40% risk 30% alignment 30%`."


def parse_weights(text: str) -> Weights:
    """Read weights like `roi 40% risk 30% alignment 30%`; they must add up to 100 %."""
    rest = text.strip()
    if not rest:
        raise InvalidInput(f"Give a weight for at least one measure. {_WEIGHTS_EXAMPLE}")
    found: dict[str, Decimal] = {}
    position = 0
    for match in _WEIGHT_PAIR.finditer(rest):
        between = rest[position : match.start()]
        if between.strip(" ,;+&") and between.strip().lower() not in {"and"}:
            raise InvalidInput(
                f"I could not read `{between.strip()}` in the weights. {_WEIGHTS_EXAMPLE}"
            )
        position = match.end()
        word, number, _percent = match.groups()
        name = _WEIGHT_NAMES.get(word.lower())
        if name is None:
            close = difflib.get_close_matches(word.lower(), list(_WEIGHT_NAMES), n=1, cutoff=0.5)
            hint = f" Did you mean `{close[0]}`?" if close else ""
            raise InvalidInput(
                f"There is no measure `{word}` to weigh.{hint} Weigh any of: "
                f"roi, risk, npv, alignment. {_WEIGHTS_EXAMPLE}"
            )
        if name in found:
            raise InvalidInput(
                f"`{name}` is weighted twice; give each measure once. {_WEIGHTS_EXAMPLE}"
            )
        try:
            percent = Decimal(number.replace(",", "."))
        except InvalidOperation as error:  # pragma: no cover - the pattern only admits numbers
            raise InvalidInput(f"`{number}` is not a number. {_WEIGHTS_EXAMPLE}") from error
        if percent < 0 or percent > 100:
            raise InvalidInput(
                f"A weight must be between 0 % and 100 %; you wrote `{word} {number}%`. "
                f"{_WEIGHTS_EXAMPLE}"
            )
        found[name] = percent
    if rest[position:].strip(" ,;") or not found:
        raise InvalidInput(
            f"I could not read `{rest[position:].strip()}` in the weights. {_WEIGHTS_EXAMPLE}"
        )
    total = sum(found.values(), Decimal(0))
    if total != 100:
        raise InvalidInput(
            f"Weights must add up to 100 %; yours add up to {total.normalize():f} %. "
            f"{_WEIGHTS_EXAMPLE}"
        )
    return Weights(**{name: value / 100 for name, value in found.items()})


def rank(
    items: Sequence[RankInput],
    measure: str,
    *,
    discount_rate: Decimal = Decimal("0.08"),
    weights: Weights | None = None,
    top: int | None = None,
    category: str | None = None,
) -> list[Ranked]:
    """Rank by a measure: best first, n/a last, ties by key; score uses equal weights if none."""
    name = _check_measure(measure)
    if top is not None and top < 1:
        raise InvalidInput(
            f"`top` needs a whole number of at least 1; you wrote `top {top}`. Example: `top 10`."
        )
    if name == "score":
        weights = weights or DEFAULT_WEIGHTS
        if sum((w for _, w in weights.items()), Decimal(0)) <= 0 or any(
            w < 0 for _, w in weights.items()
        ):
            raise InvalidInput(
                f"Score weights must be positive and add up to 100 %. {_WEIGHTS_EXAMPLE}"
            )
    pool = _filter(items, category)
    if not pool:
        return []
    try:
        ranking = _Ranking(pool, discount_rate)
        if name == "score":
            assert weights is not None
            buckets, present = ranking.score_buckets(weights)
        else:
            buckets, present = ranking.component_buckets(name)
    except _TooLarge:
        return _rank_exact(pool, name, discount_rate, weights, top)
    order = _order(pool, buckets, present)
    if top is not None:
        order = order[:top]
    places = -_PLACES[name]
    chosen = order.tolist()
    if name == "score":
        assert weights is not None
        explanations = ranking.parts(order, weights)
    else:
        explanations = [()] * len(chosen)
    return [
        Ranked(position, pool[index], Decimal(bucket).scaleb(places) if has else None, parts)
        for position, index, bucket, has, parts in zip(
            range(1, len(chosen) + 1),
            chosen,
            buckets[order].tolist(),
            present[order].tolist(),
            explanations,
            strict=True,
        )
    ]


def _filter(items: Sequence[RankInput], category: str | None) -> list[RankInput]:
    if category is None:
        return list(items)
    wanted = category.strip().casefold()
    return [item for item in items if item.category.casefold() == wanted]


def _order(pool: Sequence[RankInput], buckets: IntArray, present: BoolArray) -> IntArray:
    keys = np.array([item.key for item in pool])
    sort_values = np.where(present, -buckets, 0)
    return np.lexsort((keys, sort_values, ~present)).astype(np.int64)


class _TooLarge(Exception):
    """A value too large for exact float64 integer buckets; the Decimal path takes over."""


class _Ranking:
    """Vectorised, display-exact measure buckets for one pool of products."""

    def __init__(self, pool: Sequence[RankInput], discount_rate: Decimal) -> None:
        finance.npv(discount_rate, ())  # validates the rate with a clear message
        self.pool = pool
        self.rate = discount_rate
        self.size = len(pool)
        self._cache: dict[str, tuple[IntArray, BoolArray]] = {}

    def component_buckets(self, name: str) -> tuple[IntArray, BoolArray]:
        """Integer buckets (value × 10^places) and availability of one measure for every row."""
        if name not in self._cache:
            values, errors, present, force = self._floats(name)
            places = _PLACES[name]
            exact: Callable[[int], Decimal | None] = lambda i: measure_value(  # noqa: E731
                self.pool[i], name, discount_rate=self.rate
            )
            self._cache[name] = _to_buckets(values, errors, present, force, places, exact)
        return self._cache[name]

    def _floats(self, name: str) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
        pool, size = self.pool, self.size
        force = np.zeros(size, dtype=bool)
        if name in ("roi", "risk"):
            investment = np.fromiter((float(p.investment) for p in pool), np.float64, size)
            back = np.fromiter((float(p.expected_return) for p in pool), np.float64, size)
            if name == "risk":
                back = back * np.fromiter((float(p.confidence) for p in pool), np.float64, size)
            present = investment != 0
            for index in np.flatnonzero(~present).tolist():
                if pool[index].investment != 0:
                    force[index] = True
            with np.errstate(divide="ignore", invalid="ignore"):
                values = (back - investment) / np.where(present, investment, 1.0)
            errors = 1e-12 * (np.abs(values) + 2)
            return values, errors, present, force
        if name == "alignment":
            values = np.fromiter((float(p.alignment) for p in pool), np.float64, size)
            return values, 1e-12 * (np.abs(values) + 1), np.ones(size, dtype=bool), force
        return self._npv_floats()

    def _npv_floats(self) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray]:
        pool, size = self.pool, self.size
        lengths = np.fromiter((len(p.cashflows) for p in pool), np.int64, size)
        total = int(lengths.sum())
        flows = np.fromiter((float(c) for p in pool for c in p.cashflows), np.float64, total)
        rows = np.repeat(np.arange(size), lengths)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        years = np.arange(total) - starts
        horizon = int(lengths.max()) if size else 0
        discount = (1.0 + float(self.rate)) ** -np.arange(horizon, dtype=np.float64)
        terms = flows * discount[years]
        values = np.bincount(rows, weights=terms, minlength=size).astype(np.float64)
        magnitude = np.bincount(rows, weights=np.abs(terms), minlength=size)
        errors = (1e-11 * (magnitude + 1) * (1 + horizon / 100)).astype(np.float64)
        present: BoolArray = lengths > 0
        return values, errors, present, np.zeros(size, dtype=bool)

    def score_buckets(self, weights: Weights) -> tuple[IntArray, BoolArray]:
        """Score buckets (score × 10^4) for every row; a score always exists."""
        score = np.zeros(self.size, dtype=np.float64)
        self._bounds: dict[str, tuple[int, int] | None] = {}
        for name, weight in weights.items():
            if weight == 0:
                continue
            buckets, present = self.component_buckets(name)
            score += float(weight) * self._normalised(name, buckets, present)
        y = score * 10 ** _PLACES["score"]
        frac = y - np.floor(y)
        ambiguous = ~np.isfinite(y) | (np.abs(frac - 0.5) <= 1e-7)
        result = np.floor(y + 0.5).astype(np.int64)
        for index in np.flatnonzero(ambiguous).tolist():
            result[index] = int(self.exact_score(index, weights).scaleb(_PLACES["score"]))
        return result, np.ones(self.size, dtype=bool)

    def _normalised(self, name: str, buckets: IntArray, present: BoolArray) -> FloatArray:
        if not present.any():
            self._bounds[name] = None
            return np.zeros(self.size, dtype=np.float64)
        low, high = int(buckets[present].min()), int(buckets[present].max())
        self._bounds[name] = (low, high)
        if high == low:
            return present.astype(np.float64)
        normalised = (buckets - low).astype(np.float64) / float(high - low)
        return np.where(present, normalised, 0.0)

    def _exact_normalised(self, name: str, index: int) -> Decimal | None:
        buckets, present = self._cache[name]
        bounds = self._bounds[name]
        if not present[index] or bounds is None:
            return None
        low, high = bounds
        if high == low:
            return Decimal(1)
        with localcontext(_CONTEXT):
            return Decimal(int(buckets[index]) - low) / Decimal(high - low)

    def exact_score(self, index: int, weights: Weights) -> Decimal:
        """The row's score in Decimal: Σ weight × normalised, rounded to 4 places."""
        with localcontext(_CONTEXT):
            total = Decimal(0)
            for name, weight in weights.items():
                if weight == 0:
                    continue
                normalised = self._exact_normalised(name, index)
                if normalised is not None:
                    total += weight * normalised
            return total.quantize(Decimal(1).scaleb(-_PLACES["score"]))

    def parts(self, rows: IntArray, weights: Weights) -> list[tuple[ScorePart, ...]]:
        """The explanation of each given row's score, one part per weighted measure.

        Normalised values and contributions are rounded to 4 places from floats, with the
        rows near a rounding boundary redone in Decimal; equal parts are shared objects.
        """
        columns: list[list[ScorePart]] = []
        scale = 10 ** _PLACES["score"]
        for name, weight in weights.items():
            if weight == 0:
                continue
            buckets, present = self._cache[name]
            bounds = self._bounds[name]
            available = present[rows] if bounds is not None else np.zeros(len(rows), dtype=bool)
            low, high = bounds if bounds is not None else (0, 0)
            if high == low:
                normalised = np.ones(len(rows), dtype=np.float64)
            else:
                normalised = (buckets[rows] - low).astype(np.float64) / float(high - low)
            norm_buckets, norm_unsure = _round_half_up(normalised * scale)
            part_buckets, part_unsure = _round_half_up(normalised * float(weight) * scale)
            for j in np.flatnonzero((norm_unsure | part_unsure) & available).tolist():
                exact = self._exact_normalised(name, int(rows[j]))
                assert exact is not None
                with localcontext(_CONTEXT):
                    norm_buckets[j] = int(exact.quantize(_SCORE_QUANTUM).scaleb(_PLACES["score"]))
                    part_buckets[j] = int(
                        (weight * exact).quantize(_SCORE_QUANTUM).scaleb(_PLACES["score"])
                    )
            zero = Decimal(0).quantize(_SCORE_QUANTUM)
            missing = ScorePart(name, weight, zero, zero, _NOT_AVAILABLE[name])
            shared: dict[tuple[int, int], ScorePart] = {}
            column: list[ScorePart] = []
            for ok, norm, part in zip(
                available.tolist(), norm_buckets.tolist(), part_buckets.tolist(), strict=True
            ):
                if not ok:
                    column.append(missing)
                    continue
                found = shared.get((norm, part))
                if found is None:
                    found = ScorePart(
                        name,
                        weight,
                        Decimal(norm).scaleb(-_PLACES["score"]),
                        Decimal(part).scaleb(-_PLACES["score"]),
                    )
                    shared[(norm, part)] = found
                column.append(found)
            columns.append(column)
        return list(zip(*columns, strict=True)) if columns else [() for _ in rows.tolist()]


def _round_half_up(scaled: FloatArray) -> tuple[IntArray, BoolArray]:
    """Nearest integers of non-negative floats, and which lie too near a half to be trusted."""
    frac = scaled - np.floor(scaled)
    unsure: BoolArray = np.abs(frac - 0.5) <= 1e-6
    return np.floor(scaled + 0.5).astype(np.int64), unsure


def _to_buckets(
    values: FloatArray,
    errors: FloatArray,
    present: BoolArray,
    force: BoolArray,
    places: int,
    exact: Callable[[int], Decimal | None],
) -> tuple[IntArray, BoolArray]:
    """Round floats to display buckets, recomputing in Decimal those near a rounding boundary."""
    scale = float(10**places)
    with np.errstate(invalid="ignore", over="ignore"):
        y = np.where(present, values * scale, 0.0)
        trusted = present & np.isfinite(y) & (np.abs(y) < _SAFE)
        frac = y - np.floor(y)
        ambiguous = trusted & (np.abs(frac - 0.5) <= errors * scale + 1e-6)
    redo = (present & ~trusted) | ambiguous | force
    buckets = np.where(trusted, np.floor(y + 0.5), 0.0).astype(np.int64)
    present = present.copy()
    for index in np.flatnonzero(redo).tolist():
        value = exact(index)
        if value is None:
            present[index] = False
            buckets[index] = 0
            continue
        bucket = int(value.scaleb(places))
        if abs(bucket) >= 2**53:
            raise _TooLarge
        buckets[index] = bucket
        present[index] = True
    return buckets, present


def _rank_exact(
    pool: Sequence[RankInput], name: str, rate: Decimal, weights: Weights | None, top: int | None
) -> list[Ranked]:
    """The same ranking computed entirely in Decimal (for values beyond float64's exact range)."""
    if name != "score":
        values = [measure_value(item, name, discount_rate=rate) for item in pool]
        order = sorted(range(len(pool)), key=lambda i: _exact_sort_key(values[i], pool[i].key))
        chosen = order[:top] if top is not None else order
        return [Ranked(pos, pool[i], values[i]) for pos, i in enumerate(chosen, start=1)]
    assert weights is not None
    table = {
        component: [measure_value(item, component, discount_rate=rate) for item in pool]
        for component, weight in weights.items()
        if weight != 0
    }
    quantum = Decimal(1).scaleb(-_PLACES["score"])
    scored: list[tuple[Decimal, tuple[ScorePart, ...]]] = []
    with localcontext(_CONTEXT):
        bounds = {
            component: (
                min(v for v in column if v is not None),
                max(v for v in column if v is not None),
            )
            if any(v is not None for v in column)
            else None
            for component, column in table.items()
        }
        for i in range(len(pool)):
            total = Decimal(0)
            parts: list[ScorePart] = []
            for component, weight in weights.items():
                if weight == 0:
                    continue
                value, span = table[component][i], bounds[component]
                if value is None or span is None:
                    zero = Decimal(0).quantize(quantum)
                    parts.append(
                        ScorePart(component, weight, zero, zero, _NOT_AVAILABLE[component])
                    )
                    continue
                low, high = span
                normalised = Decimal(1) if high == low else (value - low) / (high - low)
                total += weight * normalised
                parts.append(
                    ScorePart(
                        component,
                        weight,
                        normalised.quantize(quantum),
                        (weight * normalised).quantize(quantum),
                    )
                )
            scored.append((total.quantize(quantum), tuple(parts)))
    order = sorted(range(len(pool)), key=lambda i: _exact_sort_key(scored[i][0], pool[i].key))
    chosen = order[:top] if top is not None else order
    return [
        Ranked(pos, pool[i], scored[i][0], scored[i][1]) for pos, i in enumerate(chosen, start=1)
    ]


def _exact_sort_key(value: Decimal | None, key: str) -> tuple[bool, Decimal, str]:
    return (value is None, value.copy_negate() if value is not None else Decimal(0), key)
