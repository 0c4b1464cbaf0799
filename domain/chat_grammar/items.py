"""A roadmap item's update in chat: `CHK-3: testing, 80% — blocked by the vendor`."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from domain.chat_grammar.text import (
    TRAILING_RE,
    Parts,
    check_length,
    join_parts,
    normal,
    split_parts,
    words,
)
from domain.chat_grammar.updates import ItemUpdate
from domain.errors import InvalidInput
from domain.vocabulary import STATUS_SYNONYMS, STATUSES
from domain.words import is_clear_word, near_word, parse_status

_PCT = (
    r"(?:(?:progress|at)\s*:?\s*)?(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*(?:%|percent\b)"
    r"(?:\s+(?:done|complete|completed)\b)?"
)
_PCT_TEXT = r"(?:(?:progress|at)\s*:?\s*)?[0-9]+(?:\.[0-9]+)?\s*(?:%|percent\b)"
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
# A short part that reads like a status and a percentage: `tseting 50%`, `tests at 80%`.
_WORDS_THEN_PCT_RE = re.compile(
    r"(?P<words>[^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*)??)\s*,?\s*(?P<pct>" + _PCT_TEXT + ")",
    re.IGNORECASE,
)
_SHORT_WORDS_RE = re.compile(r"[^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*)?")
_STATUS_LIST = ", ".join(f"`{status}`" for status in STATUSES)


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

    def __init__(self, ref: str, example: str | None = None) -> None:
        self.ref = ref
        self.example = example or f"`{ref}: testing 80%`"
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
                f"Progress is 0–100 %; you wrote `{written}%`. Write it like {self.example}."
            )
        progress = int(value.to_integral_value(rounding=ROUND_HALF_EVEN))
        if self.progress is not None and self.progress != progress:
            raise InvalidInput(
                f"`{self.ref}` gets two progress figures, {self.progress}% and {progress}%; "
                f"give one, like {self.example}."
            )
        self.progress = progress


def read_item_words(ref: str, text: str, *, example: str) -> tuple[str | None, int | None, bool]:
    """Status, progress and `unblocked` in words every one of which is understood.

    `/roadmap update CHK-3 wip 50%` reads its words with this, so the slash command and a
    chat update (`CHK-3: wip 50%`) take the same words and refuse the same typos.
    """
    facts = _ItemFacts(ref, example)
    for _, part in split_parts(text):
        tokens, rest = _read_item_tokens(part)
        if rest:
            pct = re.search(r"\s*,?\s*" + _PCT_TEXT + r"$", rest, re.IGNORECASE)
            unread = rest[: pct.start()] if pct else rest
            parse_status(unread)  # says "did you mean …?" when it is close to a status
            raise InvalidInput(
                f"I couldn't read `{rest}` as a status and a progress. Write it like {example}."
            )
        facts.add(tokens)
    return facts.status, facts.progress, facts.clears


def _check_understood(ref: str, part: str) -> None:
    """Refuse a short part that tried to be a status (and progress) but isn't one.

    `tseting 50%` would otherwise become a note while nothing changes; a longer sentence
    stays a note.
    """
    with_pct = _WORDS_THEN_PCT_RE.fullmatch(part) or _WORDS_THEN_PCT_RE.match(part)
    said = with_pct["words"] if with_pct else part
    if not with_pct and not _SHORT_WORDS_RE.fullmatch(part):
        return
    hint = near_word(said, STATUS_SYNONYMS)
    pct = f" {with_pct['pct'].strip()}" if with_pct else ""
    number = re.search(r"[0-9].*", pct)
    if hint is not None:
        raise InvalidInput(
            f"`{said}` isn't a status. Did you mean `{hint}`? Nothing was recorded; write it "
            f"like `{ref}: {hint}{pct}`."
        )
    if with_pct is not None and with_pct.end() == len(part):
        raise InvalidInput(
            f"I couldn't read `{part}`: `{said}` isn't a status, so "
            f"`{number[0] if number else pct.strip()}` wasn't "
            f"taken as progress. Nothing was recorded; write it like `{ref}: testing{pct}` "
            f"(statuses: {_STATUS_LIST})."
        )


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
        elif not tokens and not facts.blocker:
            _check_understood(ref, part)
        (facts.blocker if facts.blocker else facts.note).append((separator, raw_part))
    blocker = join_parts(facts.blocker) or None
    if blocker is not None and is_clear_word(blocker):
        blocker, facts.clears = None, True
    if blocker is not None and facts.clears:
        raise InvalidInput(
            f"`{ref}` is both blocked and unblocked in one message; say one, like "
            f"`{ref}: unblocked, 90%` or `{ref}: blocked by legal review`."
        )
    note = join_parts(facts.note)
    check_length(note, what="A note")
    check_length(blocker or "", what="A blocker")
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
