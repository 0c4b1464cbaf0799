"""The slash-command grammar: `verb head | field value | field value`, and its small words."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from domain.errors import InvalidInput

KEY_RE: re.Pattern[str] = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
USER_ID_RE: re.Pattern[str] = re.compile(r"^[UW][A-Z0-9]{2,}$")

FIELD_EXAMPLES: dict[str, str] = {
    "owner": "@alice",
    "investment": "120k",
    "return": "400k",
    "confidence": "70%",
    "category": "Growth",
    "stage": "development",
    "health": "at risk",
    "name": "Checkout",
    "currency": "EUR",
    "budget": "2m",
    "discount": "8%",
    "cashflows": "-100k, 50k, 80k",
    "target": "2027-Q1",
    "why": "faster payments",
    "objective": "GROW",
    "note": "waiting on vendor",
    "title": "Checkout v2",
    "reach": "2000",
    "impact": "2",
    "effort": "3",
    "weight": "3",
    "min": "Growth 30%",
    "max": "Core 50%",
    "keep": "CHK",
    "drop": "LEG",
    "status": "testing",
    "progress": "80%",
    "blocker": "legal review",
    "set": "MOB confidence 40%",
    "realised": "350k",
    "on": "2027-06-30",
}
"""A sensible value for each field Folio knows, used in "needs a value" messages."""

REPEATABLE_FIELDS = frozenset({"set"})
"""Fields a command may give more than once (`| set MOB confidence 40% | set API return 300k`)."""

FLAG_FIELDS = frozenset({"history", "unblocked"})
"""Fields that are a word alone, with no value (`/portfolio show CHK | history`)."""

_ENTITY_RE = re.compile(r"<[^<>]*>")
_MAX_ITEM_NUMBER = 999_999_999


@dataclass(frozen=True)
class CommandText:
    """A command's text split into its verb, positional head and `| field value` parts."""

    verb: str
    head: str
    fields: tuple[tuple[str, str], ...]


def _unescape(text: str) -> str:
    """Undo the three escapes Slack applies to command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _split_bars(text: str) -> list[str]:
    """Split on `|` except inside Slack entities such as `<@U123|alice>`."""
    parts: list[str] = []
    start = 0
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            entity = _ENTITY_RE.match(text, position)
            if entity is not None:
                position = entity.end()
                continue
        if char == "|":
            parts.append(text[start:position])
            start = position + 1
        position += 1
    parts.append(text[start:])
    return parts


def split_command(text: str) -> CommandText:
    """Split a command's text at `|` into verb, head and named fields, checking the shape."""
    normalised = " ".join(text.split())
    if not normalised:
        return CommandText(verb="", head="", fields=())
    parts = [part.strip() for part in _split_bars(normalised)]
    if any(not part for part in parts):
        raise InvalidInput(
            f"There is an empty field between `|` signs in `{_unescape(normalised)}`. "
            "Put one `|` before each field and none at the end, like "
            "`add CHK Checkout | owner @alice | investment 120k`."
        )
    verb, _, head = parts[0].partition(" ")
    fields: list[tuple[str, str]] = []
    seen: set[str] = set()
    for part in parts[1:]:
        raw_name, _, raw_value = part.partition(" ")
        name = _unescape(raw_name).lower()
        value = _unescape(raw_value.strip())
        if not value and name not in FLAG_FIELDS:
            example = FIELD_EXAMPLES.get(name, "something")
            raise InvalidInput(f"`{name}` needs a value, e.g. `| {name} {example}`.")
        if name in seen and name not in REPEATABLE_FIELDS:
            raise InvalidInput(
                f"`{name}` is given twice; write each field once, e.g. "
                f"`| {name} {FIELD_EXAMPLES.get(name, value)}`."
            )
        seen.add(name)
        fields.append((name, value))
    return CommandText(
        verb=_unescape(verb).lower(), head=_unescape(head.strip()), fields=tuple(fields)
    )


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Invisible marks that reorder the text around them (`Invoice` U+202E `gnp.exe` shows as
`Invoiceexe.png`): refused in everything Folio stores, like control characters."""


def check_characters(text: str, *, what: str, line_breaks: bool = False) -> str:
    """Refuse control characters (line breaks and tabs only where allowed), direction
    overrides that disguise text, and lone surrogates (not text at all, only half a pair)."""
    label = _capitalised(what)
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            raise InvalidInput(
                f"{label} has a broken character (U+{ord(char):04X}, half of a pair) that "
                "isn't text; type it again."
            )
        if char in BIDI_CONTROLS:
            raise InvalidInput(
                f"{label} can't contain the invisible direction mark U+{ord(char):04X}: it "
                "makes the text read differently from what it is. Remove it and try again."
            )
        if category == "Cc" and not (line_breaks and char in "\n\t\r"):
            shown = {"\n": "a line break", "\t": "a tab"}.get(char, f"U+{ord(char):04X}")
            fix = "remove it" if line_breaks else "write it on one line"
            raise InvalidInput(
                f"{label} can't contain control characters such as {shown}; "
                f"{fix} with ordinary characters."
            )
    return text


def clean_text(text: str, *, what: str, max_len: int) -> str:
    """Check a name or other free text: no control characters, not empty, not too long."""
    label = _capitalised(what)
    check_characters(text, what=what)
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(f"{label} can't be empty.")
    if len(cleaned) > max_len:
        raise InvalidInput(
            f"{label} can be at most {max_len:,} characters; this one has {len(cleaned):,}."
        )
    return cleaned


def _capitalised(what: str) -> str:
    """`what` with its first letter upper-case, for the start of a sentence."""
    return what[:1].upper() + what[1:]


def parse_key(text: str) -> str:
    """Read a product KEY in any case (`chk` is `CHK`): 2-10 letters and digits, letter first."""
    key = text.strip()
    if not key:
        raise InvalidInput("Write a product key, like `CHK`.")
    if key.isascii() and KEY_RE.match(key.upper()):
        return key.upper()
    odd = [char for char in key if not (char.isascii() and char.isalnum())]
    if odd:
        shown = " ".join(f"`{char}`" for char in dict.fromkeys(odd))
        raise InvalidInput(
            f"A key has only letters A–Z and digits; `{key}` has {shown}. "
            "Write it like `CHK` or `PAY2`."
        )
    if key[0].isdigit():
        raise InvalidInput(
            f"A key starts with a letter; `{key}` starts with a digit. "
            "Write it like `CHK` or `PAY2`."
        )
    raise InvalidInput(
        f"A key has 2 to 10 characters (letters and digits, starting with a letter), "
        f"like `CHK`; `{key}` has {len(key)}."
    )


def check_key(text: str) -> str:
    """A KEY exactly as Folio stores it (upper-case), for files: a CSV is data, not typing."""
    key = parse_key(text)
    if key != text.strip():
        raise InvalidInput(f"Product keys are upper-case: did you mean `{key}`?")
    return key


def parse_item_ref(text: str) -> tuple[str, int]:
    """Read a roadmap item reference like `CHK-3` (or `chk-3`) as ("CHK", 3)."""
    written = text.strip()
    key_text, dash, number_text = written.rpartition("-")
    if not dash:
        raise InvalidInput(
            f"Write a roadmap item as KEY-NUMBER, like `CHK-3`; `{written}` has no `-`."
        )
    if not number_text.isascii() or not number_text.isdigit():
        raise InvalidInput(f"`{written}` doesn't end in an item number; write it like `CHK-3`.")
    key = parse_key(key_text)
    number = int(number_text)
    if number < 1:
        raise InvalidInput(
            f"Roadmap items are numbered from 1, like `{key}-1`; you wrote `{written}`."
        )
    if number > _MAX_ITEM_NUMBER:
        raise InvalidInput(
            f"`{written}` has an item number far too large; write it like `{key}-3`."
        )
    return key, number


_MENTION_RE = re.compile(r"<@(?P<id>[^|>]*)(?:\|[^>]*)?>")


def parse_mention(text: str) -> str:
    """Read a Slack user mention (`<@U123ABC>` or `<@U123ABC|alice>`) as its user id."""
    written = text.strip()
    if not written:
        raise InvalidInput("Name a person by @-mentioning them, like `@alice`.")
    match = _MENTION_RE.fullmatch(written)
    if match is not None and USER_ID_RE.match(match["id"]):
        return match["id"]
    if written.startswith("<#"):
        raise InvalidInput(
            "That's a channel, not a person: pick the person from the @ menu so it turns blue."
        )
    if written.startswith(("<!", "@here", "@channel", "@everyone")):
        raise InvalidInput(
            "That mentions a group, not one person: pick the person from the @ menu "
            "so it turns blue."
        )
    raise InvalidInput(
        f"`{written}` isn't a mention Slack recognised: pick the person from the @ menu "
        "so it turns blue."
    )


def parse_positive_int(text: str, *, what: str, high: int | None = None) -> int:
    """Read a whole number from 1 up to `high` (when given), like `3` or `1,000`."""
    written = text.strip()
    label = _capitalised(what)
    digits = written.replace(",", "")
    if not re.fullmatch(r"[0-9]+", digits) or (
        "," in written and not re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+", written)
    ):
        raise InvalidInput(f"{label} must be a whole number like `3`; you wrote `{written}`.")
    if len(digits.lstrip("0")) > 18:
        raise InvalidInput(f"{label} is far too large; you wrote `{written[:30]}`.")
    number = int(digits)
    if number < 1:
        raise InvalidInput(f"{label} must be at least 1; you wrote `{written}`.")
    if high is not None and number > high:
        raise InvalidInput(f"{label} can be at most {high:,}; you wrote `{written}`.")
    return number


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to a mistyped word, if one is close enough."""
    by_lower = {choice.lower(): choice for choice in choices}
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def one_of(text: str, choices: Sequence[str], *, what: str) -> str:
    """A word from a fixed list (case-insensitive, hyphens as spaces), else a specific error."""
    word = normal_word(text)
    for choice in choices:
        if word == normal_word(choice):
            return choice
    hint = did_you_mean(word, choices)
    suggestion = f" Did you mean `{hint}`?" if hint else ""
    listed = ", ".join(f"`{c}`" for c in choices)
    raise InvalidInput(f"`{text}` isn't a {what}.{suggestion} Use one of {listed}.")


def normal_word(value: str) -> str:
    """A word lower-cased, with `-` and `_` as spaces and runs of space made single."""
    return " ".join(value.lower().replace("-", " ").replace("_", " ").split())


def check_fields(cmd: CommandText, allowed: Collection[str], *, usage: str) -> dict[str, str]:
    """The command's fields as {name: value}, refusing any this command doesn't take."""
    names = list(allowed) if isinstance(allowed, Sequence) else sorted(allowed)
    usage_line = usage if "`" in usage else f"`{usage}`"
    for name, _ in cmd.fields:
        if name in names:
            continue
        if not names:
            raise InvalidInput(
                f"This command takes no `|` fields; `{name}` isn't one.\nUsage: {usage_line}"
            )
        guess = did_you_mean(name, names)
        hint = f" (did you mean `{guess}`?)" if guess else ""
        raise InvalidInput(
            f"Unknown field `{name}`. Fields for this command: {', '.join(names)}{hint}.\n"
            f"Usage: {usage_line}"
        )
    return dict(cmd.fields)
