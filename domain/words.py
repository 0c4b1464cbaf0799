"""The words chat updates and `|` fields share: statuses, healths, stages, clearing, typos (pure).

`CHK-3: wip 50%` and `/roadmap update CHK-3 wip 50%` read their words here, so the two
grammars accept the same synonyms, refuse the same typos and clear fields the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from domain.errors import InvalidInput
from domain.grammar import did_you_mean, normal_word, one_of
from domain.vocabulary import (
    CLEAR_WORDS,
    HEALTH_COLOURS,
    HEALTH_SYNONYMS,
    HEALTHS,
    STAGES,
    STATUS_SYNONYMS,
    STATUSES,
)

NEAR_CUTOFF = 0.8
"""How close a word must be to a known one to be taken as its typo (not as free text)."""


def near_word(text: str, choices: Iterable[str]) -> str | None:
    """The known word a short phrase is a likely typo of (`tseting` -> `testing`), else None."""
    word = normal_word(text)
    by_normal = {normal_word(choice): choice for choice in choices}
    if not word or word in by_normal:
        return None
    matches = difflib.get_close_matches(word, list(by_normal), n=1, cutoff=NEAR_CUTOFF)
    return by_normal[matches[0]] if matches else None


def _from_words(
    text: str, words: dict[str, str], listed: Sequence[str], *, what: str, also: str = ""
) -> str:
    """A canonical word from its synonyms (case-insensitive), else a did-you-mean error."""
    word = normal_word(text)
    by_normal = {normal_word(synonym): canonical for synonym, canonical in words.items()}
    if word in by_normal:
        return by_normal[word]
    hint = did_you_mean(word, list(words))
    suggestion = f" Did you mean `{hint}`?" if hint else ""
    choices = ", ".join(f"`{c}`" for c in listed)
    raise InvalidInput(f"`{text.strip()}` isn't a {what}.{suggestion} Use one of {choices}{also}.")


def parse_status(text: str) -> str:
    """A roadmap status, synonyms too (`wip`, `shipped`), else a did-you-mean error."""
    return _from_words(text, STATUS_SYNONYMS, STATUSES, what="status")


HEALTH_WORDS: dict[str, str] = {**{h: h for h in HEALTHS}, **HEALTH_SYNONYMS, **HEALTH_COLOURS}
"""Every word for a health: the three, run-together forms and the traffic-light colours."""


def parse_health(text: str) -> str:
    """A product health, colours too (`red` is off track), else a did-you-mean error."""
    colours = ", ".join(f"`{c}`" for c in HEALTH_COLOURS)
    return _from_words(text, HEALTH_WORDS, HEALTHS, what="health", also=f" (or {colours})")


def parse_stage(text: str) -> str:
    """A lifecycle stage, else a did-you-mean error."""
    return one_of(text, STAGES, what="lifecycle stage")


def is_clear_word(text: str) -> bool:
    """Whether a field's value asks to clear it (`none`, `-`, `no`, `n/a` …)."""
    return normal_word(text) in CLEAR_WORDS or text.strip() in CLEAR_WORDS


def one_edit_apart(typed: str, known: str) -> bool:
    """Whether two keys differ by one letter changed, added, dropped or swapped (CHX, CHK)."""
    if typed == known or abs(len(typed) - len(known)) > 1:
        return False
    if len(typed) == len(known):
        differ = [i for i, (a, b) in enumerate(zip(typed, known, strict=True)) if a != b]
        if len(differ) == 1:
            return True
        first, *rest = differ
        return (
            len(differ) == 2
            and rest[0] == first + 1
            and typed[first] == known[first + 1]
            and typed[first + 1] == known[first]
        )
    short, long = sorted((typed, known), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
