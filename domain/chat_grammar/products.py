"""A product's update in chat: `CHK: at risk, launch slips two weeks`, `CHK: growth`."""

from __future__ import annotations

import re

from domain.chat_grammar.text import (
    TRAILING_RE,
    Parts,
    check_length,
    join_parts,
    normal,
    split_parts,
    words,
)
from domain.chat_grammar.updates import ProductUpdate
from domain.errors import InvalidInput
from domain.vocabulary import HEALTH_COLOURS, HEALTH_SYNONYMS, STAGES
from domain.words import HEALTH_WORDS, near_word

_HEALTH_RE = re.compile(
    rf"(?:health\s*:?\s*)?(?P<health>{words(*HEALTH_SYNONYMS)})\b", re.IGNORECASE
)
_COLOUR_RE = re.compile(rf"(?:health\s*:?\s*)?(?P<colour>{words(*HEALTH_COLOURS)})", re.IGNORECASE)
_STAGE_RE = re.compile(
    rf"(?:stage\s*:?\s*|now\s+in\s+|in\s+|moved\s+to\s+|now\s+)?(?P<stage>{words(*STAGES)})"
    r"(?:\s+stage)?",
    re.IGNORECASE,
)
_SHORT_RE = re.compile(r"[^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*)?")
_PRODUCT_WORDS = (*HEALTH_WORDS, *STAGES)


def product_update(key: str, body: str) -> ProductUpdate:
    """Read the body of `KEY: …`."""
    health: str | None = None
    stage: str | None = None
    notes: Parts = []
    for separator, raw_part in split_parts(body):
        part = TRAILING_RE.sub("", raw_part) or raw_part
        said_health, rest = _read_health(part)
        stage_match = _STAGE_RE.fullmatch(part)
        if said_health is not None:
            if health is not None and health != said_health:
                raise InvalidInput(
                    f"`{key}` gets two healths, `{health}` and `{said_health}`; give one, "
                    f"like `{key}: at risk, launch slips two weeks`."
                )
            health = said_health
            if rest:
                notes.append((separator, rest))
        elif stage_match is not None:
            said_stage = normal(stage_match["stage"])
            if stage is not None and stage != said_stage:
                raise InvalidInput(
                    f"`{key}` gets two stages, `{stage}` and `{said_stage}`; give one, "
                    f"like `{key}: growth`."
                )
            stage = said_stage
        else:
            _check_understood(key, part)
            notes.append((separator, raw_part))
    note = join_parts(notes)
    check_length(note, what="A note")
    if health is None and stage is None and not note:
        raise InvalidInput(
            f"There's nothing after `{key}:`. Write a health or a note, like "
            f"`{key}: at risk, launch slips two weeks`."
        )
    return ProductUpdate(key=key, health=health, stage=stage, note=note)


def _read_health(part: str) -> tuple[str | None, str]:
    """The health a part starts with (phrases) or is (colours), and the text after it."""
    colour = _COLOUR_RE.fullmatch(part)
    if colour is not None:
        return HEALTH_COLOURS[normal(colour["colour"])], ""
    match = _HEALTH_RE.match(part)
    if match is None:
        return None, ""
    rest = part[match.end() :]
    if rest and not rest[0].isspace() and rest[0] not in ":(":
        return None, ""
    return HEALTH_SYNONYMS[normal(match["health"])], rest.strip(" :")


def _check_understood(key: str, part: str) -> None:
    """Refuse a word or two that is a typo of a health or stage (`at rsik`), not a note."""
    if not _SHORT_RE.fullmatch(part):
        return
    hint = near_word(part, _PRODUCT_WORDS)
    if hint is not None:
        what, example = ("stage", hint) if hint in STAGES else ("health", f"{hint}, vendor late")
        raise InvalidInput(
            f"`{part}` isn't a health or a stage. Did you mean `{hint}` (a {what})? Nothing "
            f"was recorded; write it like `{key}: {example}`."
        )
