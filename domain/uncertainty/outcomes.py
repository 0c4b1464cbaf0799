"""Each product as a bet: it succeeds with probability = confidence, or fails and returns nothing.

On success a funded product is worth its expected return minus its investment; on failure it
is worth minus its investment. For a 0/1 funding decision x the portfolio's mean and variance
(outcomes independent) are both linear in x: mean = Σ x·(p·R − I), variance = Σ x·p(1−p)·R².
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.allocation import Candidate

CENT = Decimal("0.01")
ONE = Decimal(1)


@dataclass(frozen=True)
class Bet:
    """A product as a success/failure outcome: costs `cost`, returns `payoff` with probability `p`.

    A product whose outcome is known is a certain bet (p = 1, payoff = what it realised).
    """

    key: str
    category: str
    cost: Decimal
    payoff: Decimal
    p: Decimal

    @property
    def success(self) -> Decimal:
        """The product's value if it succeeds: return − investment."""
        return self.payoff - self.cost

    @property
    def failure(self) -> Decimal:
        """The product's value if it fails: − investment."""
        return -self.cost

    @property
    def mean(self) -> Decimal:
        """Expected value p·R − I, to the cent (what an allocation maximises)."""
        return (self.p * self.payoff - self.cost).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def variance(self) -> Decimal:
        """Variance of the value, p(1−p)·R², exact."""
        return self.p * (ONE - self.p) * self.payoff * self.payoff

    @property
    def certain(self) -> bool:
        """Whether the outcome is known (or cannot vary)."""
        return self.p in (0, 1) or self.payoff == 0

    def candidate(self) -> Candidate:
        """The bet as an allocation candidate (value = expected value)."""
        return Candidate(self.key, self.category, self.cost, self.mean)


@dataclass(frozen=True)
class Moments:
    """A selection's expected value and variance (exact Decimals)."""

    mean: Decimal
    variance: Decimal

    @property
    def deviation(self) -> Decimal:
        """The standard deviation, √variance, to the cent."""
        return self.variance.sqrt().quantize(CENT, rounding=ROUND_HALF_UP)


def moments(bets: Iterable[Bet]) -> Moments:
    """Expected value and variance of the sum of independent bets."""
    mean = Decimal(0)
    variance = Decimal(0)
    for bet in bets:
        mean += bet.mean
        variance += bet.variance
    return Moments(mean, variance)


def known(bet: Bet, realised: Decimal) -> Bet:
    """The bet once its outcome is known: certain, worth what it realised minus its cost."""
    return Bet(bet.key, bet.category, bet.cost, realised, ONE)


def funded(bets: Sequence[Bet], keys: Iterable[str]) -> tuple[Bet, ...]:
    """The bets whose keys are given, in the bets' order."""
    wanted = set(keys)
    return tuple(bet for bet in bets if bet.key in wanted)
