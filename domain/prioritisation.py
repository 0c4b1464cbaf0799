"""Prioritising roadmap items with RICE and WSJF.

RICE = reach × impact × confidence / effort (impact on the 0.25/0.5/1/2/3 scale, confidence
a fraction, effort in person-months > 0). WSJF = cost of delay / job size, where cost of
delay = user-business value + time criticality + risk reduction/opportunity enablement.
A missing input is named in the score, never taken as zero. Scores are rounded to 2 places.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from domain.errors import InvalidInput

IMPACT_SCALE: tuple[Decimal, ...] = (
    Decimal("0.25"),
    Decimal("0.5"),
    Decimal("1"),
    Decimal("2"),
    Decimal("3"),
)
IMPACT_WORDS = {
    "minimal": Decimal("0.25"),
    "low": Decimal("0.5"),
    "medium": Decimal("1"),
    "high": Decimal("2"),
    "massive": Decimal("3"),
}

_QUANTUM = Decimal("0.01")
_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Score:
    """A RICE or WSJF score; value is None when inputs are missing, and `missing` names them."""

    value: Decimal | None
    missing: tuple[str, ...]


@dataclass(frozen=True)
class ItemScore:
    """A roadmap item (`CHK-3`) with its score, ready to rank."""

    ref: str
    title: str
    score: Score


def _scale_text() -> str:
    return ", ".join(f"{value.normalize():f} ({word})" for word, value in IMPACT_WORDS.items())


def validate_impact(text: str) -> Decimal:
    """Read an impact such as `2`, `0.5` or `high`; it must be on the RICE scale."""
    cleaned = text.strip().lower().rstrip("x×").strip()
    if cleaned in IMPACT_WORDS:
        return IMPACT_WORDS[cleaned]
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        value = None
    if value is not None and value.is_finite():
        for step in IMPACT_SCALE:
            if value == step:
                return step
    raise InvalidInput(
        f"Impact must be one of {_scale_text()}; you wrote `{text.strip()}`. Example: `impact 2`."
    )


def _missing(named: dict[str, Decimal | None]) -> tuple[str, ...]:
    return tuple(name for name, value in named.items() if value is None)


def _non_negative(name: str, value: Decimal, example: str) -> None:
    if value < 0:
        raise InvalidInput(
            f"{name.capitalize()} cannot be negative; you wrote `{value}`. Example: `{example}`."
        )


def rice(
    reach: Decimal | None,
    impact: Decimal | None,
    confidence: Decimal | None,
    effort: Decimal | None,
) -> Score:
    """RICE = reach × impact × confidence / effort, to 2 places; missing inputs are named."""
    missing = _missing(
        {"reach": reach, "impact": impact, "confidence": confidence, "effort": effort}
    )
    if reach is not None:
        _non_negative("reach", reach, "reach 2000")
    if impact is not None and impact not in IMPACT_SCALE:
        raise InvalidInput(
            f"Impact must be one of {_scale_text()}; it is `{impact}`. Example: `impact 2`."
        )
    if confidence is not None and not 0 <= confidence <= 1:
        raise InvalidInput(
            f"Confidence must be between 0 % and 100 %; it is `{confidence * 100}%`. "
            "Example: `confidence 80%`."
        )
    if effort is not None and effort <= 0:
        raise InvalidInput(
            f"Effort must be more than 0 person-months; you wrote `{effort}`. Example: `effort 3`."
        )
    if missing:
        return Score(None, missing)
    assert reach is not None
    assert impact is not None
    assert confidence is not None
    assert effort is not None
    with localcontext(_CONTEXT):
        return Score((reach * impact * confidence / effort).quantize(_QUANTUM), ())


def wsjf(
    value: Decimal | None,
    time_criticality: Decimal | None,
    risk_reduction: Decimal | None,
    job_size: Decimal | None,
) -> Score:
    """WSJF = (value + time criticality + risk reduction) / job size, rounded to 2 places."""
    missing = _missing(
        {
            "value": value,
            "time criticality": time_criticality,
            "risk reduction": risk_reduction,
            "job size": job_size,
        }
    )
    for name, given, example in (
        ("value", value, "value 8"),
        ("time criticality", time_criticality, "time criticality 5"),
        ("risk reduction", risk_reduction, "risk reduction 3"),
    ):
        if given is not None:
            _non_negative(name, given, example)
    if job_size is not None and job_size <= 0:
        raise InvalidInput(
            f"Job size must be more than 0; you wrote `{job_size}`. Example: `job size 5`."
        )
    if missing:
        return Score(None, missing)
    assert value is not None
    assert time_criticality is not None
    assert risk_reduction is not None
    assert job_size is not None
    with localcontext(_CONTEXT):
        cost_of_delay = value + time_criticality + risk_reduction
        return Score((cost_of_delay / job_size).quantize(_QUANTUM), ())


_CHUNKS = re.compile(r"(\d+)")


def natural_key(ref: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders `CHK-2` before `CHK-10` (numbers compared as numbers)."""
    return tuple(
        (1, int(chunk)) if chunk.isdigit() else (0, chunk.casefold())
        for chunk in _CHUNKS.split(ref)
        if chunk
    )


def rank_items(items: Sequence[ItemScore]) -> list[ItemScore]:
    """Scored items first, highest first, ties by ref (natural order); unscored last by ref."""

    def order(item: ItemScore) -> tuple[bool, Decimal, tuple[tuple[int, int | str], ...]]:
        value = item.score.value
        return (
            value is None,
            value.copy_negate() if value is not None else Decimal(0),
            natural_key(item.ref),
        )

    return sorted(items, key=order)
