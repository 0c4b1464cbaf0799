"""The balance rules an allocation must keep: a minimum or maximum share per category."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class ShareRule:
    """A minimum or maximum share of the budget to spend on one category."""

    category: str
    share: Decimal
    kind: Literal["min", "max"]
