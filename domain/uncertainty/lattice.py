"""The exact distribution of a sum of independent two-point outcomes, on an integer lattice.

Outcome i is `low_i` or `low_i + steps_i` (steps in lattice cells) with probability p_i.
The sum's distribution is the product of the two-point polynomials, multiplied smallest
first (np.convolve for short ones, FFT for long ones). The support is exact; probabilities
are doubles (each accurate to about 1e-15). `without` gives the distribution function of
the sum with one outcome taken out, by the stable recurrence that divides its factor out.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
_DIRECT = 256  # below this length np.convolve beats the FFT
_SHIFT_AND_ADD = 150_000_000  # outcomes × cells below which shift-and-add beats the products


def convolve_all(steps: Sequence[int], probabilities: Sequence[float]) -> FloatArray:
    """Probability of each total number of cells, 0 … Σ steps, for independent outcomes.

    A short lattice is filled by shift-and-add, one outcome at a time (n × cells work); a
    long one by multiplying the two-point polynomials smallest first, with FFTs.
    """
    pairs = [(step, p) for step, p in zip(steps, probabilities, strict=True) if step > 0]
    cells = sum(step for step, _ in pairs) + 1
    if len(pairs) * cells <= _SHIFT_AND_ADD:
        return _shift_and_add(pairs, cells)
    return _products(pairs)


def _shift_and_add(pairs: Sequence[tuple[int, float]], cells: int) -> FloatArray:
    dist = np.zeros(cells)
    dist[0] = 1.0
    reach = 0
    for step, p in sorted(pairs):
        reach += step
        dist[step : reach + 1] = (1 - p) * dist[step : reach + 1] + p * dist[: reach + 1 - step]
        dist[:step] *= 1 - p
    return dist


def _products(pairs: Sequence[tuple[int, float]]) -> FloatArray:
    counter = itertools.count()
    heap: list[tuple[int, int, FloatArray]] = []
    for step, p in pairs:
        leaf = np.zeros(step + 1)
        leaf[0] = 1.0 - p
        leaf[step] = p
        heapq.heappush(heap, (step + 1, next(counter), leaf))
    if not heap:
        return np.ones(1)
    while len(heap) > 1:
        _, _, first = heapq.heappop(heap)
        _, _, second = heapq.heappop(heap)
        if min(len(first), len(second)) < _DIRECT:
            joined = np.convolve(first, second)
        else:
            from scipy.signal import fftconvolve  # 2.5 s to import: only when used

            joined = np.clip(fftconvolve(first, second), 0.0, None)
        heapq.heappush(heap, (len(joined), next(counter), joined))
    result = heap[0][2]
    return np.asarray(result / result.sum(), dtype=np.float64)


def quantile_index(cdf: FloatArray, q: float) -> int:
    """The first cell whose cumulative probability reaches q (to within rounding)."""
    found = int(np.searchsorted(cdf, q - 1e-9, side="left"))
    return min(found, len(cdf) - 1)


def survival(cdf: FloatArray) -> FloatArray:
    """P(total ≥ j) for j = 0 … len(cdf): 1 − F(j − 1)."""
    return np.asarray(1.0 - np.concatenate(([0.0], cdf)), dtype=np.float64)


def without(cdf: FloatArray, tail: FloatArray, step: int, p: float, cell: int) -> float:
    """P(total without outcome (step, p) ≤ cell), from the full total's cdf and survival `tail`.

    Divides the factor (1−p) + p·z^step out of the full distribution: downward when p ≤ ½,
    upward (through the survival function) otherwise, so every term is damped by a ratio ≤ 1.
    """
    last = len(cdf) - 1 - step  # the largest total without this outcome
    if cell < 0:
        return 0.0
    if cell >= last:
        return 1.0
    if p <= 0.5:
        # F'(c) = Σ_m (−p/(1−p))^m · F(c − step·m) / (1−p)
        points = np.arange(cell, -1, -step)
        weights = (-p / (1.0 - p)) ** np.arange(len(points))
        return float(np.clip(weights @ cdf[points] / (1.0 - p), 0.0, 1.0))
    # G'(c) = P(without ≥ c) = Σ_m (−(1−p)/p)^m · P(full ≥ c + step·(m+1)) / p; F'(c) = 1 − G'(c+1)
    points = np.arange(cell + 1 + step, len(cdf), step)
    weights = (-(1.0 - p) / p) ** np.arange(len(points))
    return float(np.clip(1.0 - weights @ tail[points] / p, 0.0, 1.0))
