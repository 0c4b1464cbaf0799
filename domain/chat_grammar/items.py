"""A roadmap item's update in chat: `CHK-3: testing, 80% — blocked by the vendor`."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from domain.chat_grammar.text import TRAILING_RE, Parts, join_parts, normal, split_parts, words
from domain.chat_grammar.updates import ItemUpdate
from domain.errors import InvalidInput
from domain.vocabulary import STATUS_SYNONYMS

_PCT = (
    r"(?:(?:progress|at)\s*:?\s*)?(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*(?:%|percent\b)"
    r"(?:\s+(?:done|complete|completed)\b)?"
)
_STATUS = rf"(?:status\s*:?\s*)?(?P<status>{words(*STATUS_SYNONYMS)})\b"
_CLEAR = words(
    "unblocked",
    "no blocker",
    "no blockers",
    "not blocked",
    "not blocked anymore",
    "not blocked any more",
    "no longer blocked",
    "blocker cleared",
    "blockers cleared",
    "blocker removed",
    "blocker resolved",
    "blocker gone",
    "cleared blocker",
)
_ITEM_TOKEN_RE = re.compile(rf"\s*(?:(?P<clear>{_CLEAR})\b|{_PCT}|{_STATUS}:?)\s*", re.IGNORECASE)
_BLOCKER_RE = re.compile(
    r"\b(?:blocked\s+(?:by|on)\b|blockers?\s*:|blocked\s*:|blocker\s+is\b)\s*", re.IGNORECASE
)
_BLOCKER_LEAD_RE = re.compile(r"blocker\s+", re.IGNORECASE)
_BARE_BLOCKED_RE = re.compile(r"(?:(?:is|still|now)\s+)?blocked", re.IGNORECASE)


def _read_item_tokens(text: str) -> tuple[list[tuple[str, str]], str]:
    """Status, progress and unblock tokens at the start of text, and what follows them."""
    facts: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _ITEM_TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            break
        if match["clear"]:
            facts.append(("clear", match["clear"]))
        elif match["pct"]:
            facts.append(("progress", match["pct"]))
        else:
            facts.append(("status", match["status"]))
        position = match.end()
    return facts, text[position:].strip(" \t.,:;!")


class _ItemFacts:
    """What an item update says, gathered part by part, refusing contradictions."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.status: str | None = None
        self.progress: int | None = None
        self.clears = False
        self.blocker: Parts = []
        self.note: Parts = []

    def add(self, facts: list[tuple[str, str]]) -> None:
        """Record status, progress and unblock facts."""
        for kind, value in facts:
            if kind == "clear":
                self.clears = True
            elif kind == "progress":
                self._set_progress(value)
            else:
                self._set_status(value)

    def _set_status(self, written: str) -> None:
        """Record a status word, mapping synonyms; two different statuses are an error."""
        status = STATUS_SYNONYMS[normal(written)]
        if self.status is not None and self.status != status:
            raise InvalidInput(
                f"`{self.ref}` gets two statuses, `{self.status}` and `{status}`; give one, "
                f"like `{self.ref}: {status}, 80%`."
            )
        self.status = status

    def _set_progress(self, written: str) -> None:
        """Record a progress percentage, 0-100, rounded to a whole number."""
        value = Decimal(written)
        if value > 100:
            raise InvalidInput(
                f"Progress is 0–100 %; you wrote `{written}%`. "
                f"Write it like `{self.ref}: testing 80%`."
            )
        progress = int(value.to_integral_value(rounding=ROUND_HALF_EVEN))
        if self.progress is not None and self.progress != progress:
            raise InvalidInput(
                f"`{self.ref}` gets two progress figures, {self.progress}% and {progress}%; "
                f"give one, like `{self.ref}: testing 80%`."
            )
        self.progress = progress


def item_update(key: str, number: int, body: str) -> ItemUpdate:
    """Read the body of `KEY-N: …`."""
    ref = f"{key}-{number}"
    if number < 1:
        raise InvalidInput(f"Roadmap items are numbered from 1, like `{key}-1`; you wrote `{ref}`.")
    facts = _ItemFacts(ref)
    for separator, raw_part in split_parts(body):
        part = TRAILING_RE.sub("", raw_part) or raw_part
        tokens, rest = _read_item_tokens(part)
        if tokens and not rest:
            facts.add(tokens)
            continue
        blocked = _BLOCKER_RE.search(part) or _BLOCKER_LEAD_RE.match(part)
        if blocked is not None:
            _read_blocker(facts, separator, raw_part, part, blocked)
            continue
        if _BARE_BLOCKED_RE.fullmatch(part):
            raise InvalidInput(f"Say what blocks `{ref}`, like `{ref}: blocked by legal review`.")
        if tokens and any(kind != "status" for kind, _ in tokens):
            facts.add(tokens)
            raw_part = rest
        (facts.blocker if facts.blocker else facts.note).append((separator, raw_part))
    blocker = join_parts(facts.blocker) or None
    if blocker is not None and facts.clears:
        raise InvalidInput(
            f"`{ref}` is both blocked and unblocked in one message; say one, like "
            f"`{ref}: unblocked, 90%` or `{ref}: blocked by legal review`."
        )
    note = join_parts(facts.note)
    if not (facts.status or facts.progress is not None or blocker or facts.clears or note):
        raise InvalidInput(
            f"There's nothing after `{ref}:`. Write a status, progress or note, like "
            f"`{ref}: testing, 80% — blocked by the payments vendor`."
        )
    return ItemUpdate(
        key=key,
        number=number,
        status=facts.status,
        progress=facts.progress,
        blocker=blocker,
        clears_blocker=facts.clears,
        note=note,
    )


def _read_blocker(
    facts: _ItemFacts, separator: str, raw_part: str, part: str, blocked: re.Match[str]
) -> None:
    """Record the blocker a part names, and what comes before it."""
    reason = part[blocked.end() :].strip()
    if not reason:
        raise InvalidInput(
            f"Say what blocks `{facts.ref}`, like `{facts.ref}: blocked by legal review`."
        )
    before = part[: blocked.start()].strip()
    if before:
        tokens, rest = _read_item_tokens(before)
        if tokens and not rest:
            facts.add(tokens)
        else:
            facts.note.append((separator, raw_part))
    facts.blocker.append(("" if not facts.blocker else separator, reason))
