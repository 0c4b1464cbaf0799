"""Updates typed in chat: `CHK-3: testing, 80%`, `CHK: at risk`, metrics and feedback."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from domain.errors import InvalidInput
from domain.money import CURRENCY_CODES, parse_amount

ROADMAP_STATUSES = ("idea", "planned", "in progress", "testing", "done", "dropped")
HEALTHS = ("on track", "at risk", "off track")
STAGES = (
    "ideation",
    "research",
    "development",
    "testing",
    "launch",
    "growth",
    "maturity",
    "decline",
    "retired",
)


@dataclass(frozen=True)
class ItemUpdate:
    """A roadmap item's new status, progress, blocker and/or note."""

    key: str
    number: int
    status: str | None
    progress: int | None
    blocker: str | None
    clears_blocker: bool
    note: str


@dataclass(frozen=True)
class ProductUpdate:
    """A product's new health and/or stage, with a note."""

    key: str
    health: str | None
    stage: str | None
    note: str


@dataclass(frozen=True)
class MetricsUpdate:
    """Named metric values for a product, names normalised (revenue, csat, reach, …)."""

    key: str
    metrics: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class FeedbackUpdate:
    """Customer feedback recorded against a product."""

    key: str
    text: str


ChatUpdate = ItemUpdate | ProductUpdate | MetricsUpdate | FeedbackUpdate

_PREFIX_RE = re.compile(
    r"\s*(?P<key>[A-Z][A-Z0-9]{1,9})"
    r"(?:-(?P<number>[0-9]{1,9})|[ \t]+(?P<kind>(?i:metrics|metric|feedback)))?"
    r"[ \t]*:(?!//)"
)


def _words(*phrases: str) -> str:
    """A regex alternation of phrases, longest first, any run of space/-/_ between words."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"[\s_-]+".join(map(re.escape, phrase.split())) for phrase in ordered)


_STATUS_SYNONYMS: dict[str, str] = {
    "idea": "idea",
    "planned": "planned",
    "scheduled": "planned",
    "in progress": "in progress",
    "inprogress": "in progress",
    "work in progress": "in progress",
    "wip": "in progress",
    "started": "in progress",
    "ongoing": "in progress",
    "underway": "in progress",
    "under way": "in progress",
    "testing": "testing",
    "in testing": "testing",
    "qa": "testing",
    "in qa": "testing",
    "done": "done",
    "shipped": "done",
    "complete": "done",
    "completed": "done",
    "finished": "done",
    "released": "done",
    "delivered": "done",
    "dropped": "dropped",
    "cancelled": "dropped",
    "canceled": "dropped",
    "abandoned": "dropped",
}
_HEALTH_PHRASES: dict[str, str] = {
    "on track": "on track",
    "ontrack": "on track",
    "at risk": "at risk",
    "atrisk": "at risk",
    "off track": "off track",
    "offtrack": "off track",
}
_HEALTH_COLOURS: dict[str, str] = {
    "green": "on track",
    "amber": "at risk",
    "yellow": "at risk",
    "red": "off track",
}
_METRIC_SYNONYMS = {
    "customer_satisfaction": "csat",
    "satisfaction": "csat",
    "sales": "revenue",
}
_METRIC_NAME_MAX = 40

_PCT = (
    r"(?:(?:progress|at)\s*:?\s*)?(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*(?:%|percent\b)"
    r"(?:\s+(?:done|complete|completed)\b)?"
)
_STATUS = rf"(?:status\s*:?\s*)?(?P<status>{_words(*_STATUS_SYNONYMS)})\b"
_CLEAR = _words(
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
_HEALTH_RE = re.compile(
    rf"(?:health\s*:?\s*)?(?P<health>{_words(*_HEALTH_PHRASES)})\b", re.IGNORECASE
)
_COLOUR_RE = re.compile(
    rf"(?:health\s*:?\s*)?(?P<colour>{_words(*_HEALTH_COLOURS)})", re.IGNORECASE
)
_STAGE_RE = re.compile(
    rf"(?:stage\s*:?\s*|now\s+in\s+|in\s+|moved\s+to\s+|now\s+)?(?P<stage>{_words(*STAGES)})"
    r"(?:\s+stage)?",
    re.IGNORECASE,
)
_SEPARATOR_RE = re.compile(r"(\n+|;|(?<![0-9]),|,(?![0-9])|\.\s+|\s+[-–—]\s+|\s*[–—]\s*)")
_TRAILING_RE = re.compile(r"[\s.!]+$")
_METRIC_NAME_RE = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)
_VALUE_START_RE = re.compile(r"[-−+0-9.$€£¥₹₩₪₺₴₱฿₦₫]")


def match_prefix(text: str) -> tuple[str, int | None, str] | None:
    """(KEY, item number or None, kind) if the text starts like a chat update, else None."""
    match = _PREFIX_RE.match(text)
    if match is None:
        return None
    return _prefix_parts(match)


def _prefix_parts(match: re.Match[str]) -> tuple[str, int | None, str]:
    """The key, item number and kind named by a matched prefix."""
    if match["number"] is not None:
        return match["key"], int(match["number"]), "item"
    if match["kind"] is None:
        return match["key"], None, "product"
    kind = match["kind"].lower()
    return match["key"], None, "feedback" if kind == "feedback" else "metrics"


def parse_chat_update(text: str) -> ChatUpdate | None:
    """Read a chat message as an update, None if it doesn't start with a prefix."""
    match = _PREFIX_RE.match(text)
    if match is None:
        return None
    key, number, kind = _prefix_parts(match)
    body = text[match.end() :].strip()
    if kind == "item":
        assert number is not None
        return _item_update(key, number, body)
    if kind == "product":
        return _product_update(key, body)
    if kind == "metrics":
        return _metrics_update(key, body)
    if not body:
        raise InvalidInput(
            f"Write the feedback after `{key} feedback:`, like "
            f"`{key} feedback: customers want Apple Pay`."
        )
    return FeedbackUpdate(key=key, text=body)


def _split(body: str) -> list[tuple[str, str]]:
    """The parts of a message, each with the separator written before it ("" for the first)."""
    pieces = _SEPARATOR_RE.split(body)
    parts: list[tuple[str, str]] = []
    pending = ""
    for index, piece in enumerate(pieces):
        if index % 2:
            pending += piece
        elif piece.strip():
            parts.append((pending if parts else "", piece.strip()))
            pending = ""
    return parts


def _join(parts: list[tuple[str, str]]) -> str:
    """Put parts back together with the separators they were written with."""
    text = ""
    for separator, part in parts:
        text += (_tidy_separator(separator) if text else "") + part
    return text


def _tidy_separator(separator: str) -> str:
    """A separator as it should sit between two pieces of text."""
    if "\n" in separator:
        return "\n"
    mark = separator.strip()[-1:]
    return f"{mark} " if mark in (",", ";", ".") else f" {mark} "


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
        self.blocker: list[tuple[str, str]] = []
        self.note: list[tuple[str, str]] = []

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
        status = _STATUS_SYNONYMS[_normal(written)]
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


def _item_update(key: str, number: int, body: str) -> ItemUpdate:
    """Read the body of `KEY-N: …`."""
    ref = f"{key}-{number}"
    if number < 1:
        raise InvalidInput(f"Roadmap items are numbered from 1, like `{key}-1`; you wrote `{ref}`.")
    facts = _ItemFacts(ref)
    for separator, raw_part in _split(body):
        part = _TRAILING_RE.sub("", raw_part) or raw_part
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
    blocker = _join(facts.blocker) or None
    if blocker is not None and facts.clears:
        raise InvalidInput(
            f"`{ref}` is both blocked and unblocked in one message; say one, like "
            f"`{ref}: unblocked, 90%` or `{ref}: blocked by legal review`."
        )
    note = _join(facts.note)
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


def _product_update(key: str, body: str) -> ProductUpdate:
    """Read the body of `KEY: …`."""
    health: str | None = None
    stage: str | None = None
    notes: list[tuple[str, str]] = []
    for separator, raw_part in _split(body):
        part = _TRAILING_RE.sub("", raw_part) or raw_part
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
            said_stage = _normal(stage_match["stage"])
            if stage is not None and stage != said_stage:
                raise InvalidInput(
                    f"`{key}` gets two stages, `{stage}` and `{said_stage}`; give one, "
                    f"like `{key}: growth`."
                )
            stage = said_stage
        else:
            notes.append((separator, raw_part))
    note = _join(notes)
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
        return _HEALTH_COLOURS[_normal(colour["colour"])], ""
    match = _HEALTH_RE.match(part)
    if match is None:
        return None, ""
    rest = part[match.end() :]
    if rest and not rest[0].isspace() and rest[0] not in ":(":
        return None, ""
    return _HEALTH_PHRASES[_normal(match["health"])], rest.strip(" :")


def _normal(phrase: str) -> str:
    """A phrase lower-cased with runs of space, `-` and `_` made single spaces."""
    return " ".join(re.sub(r"[\s_-]+", " ", phrase.lower()).split())


def _metrics_update(key: str, body: str) -> MetricsUpdate:
    """Read the body of `KEY metrics: …`."""
    example = f"`{key} metrics: revenue 120k, csat 4.4`"
    metrics: dict[str, Decimal] = {}
    for _, raw_part in _split(body):
        part = raw_part.rstrip(". ")
        if not part:
            continue
        name, value_text = _split_metric(part, example)
        if name in metrics:
            raise InvalidInput(f"`{name}` appears twice; give each metric once, like {example}.")
        metrics[name] = _metric_value(name, value_text, example)
    if not metrics:
        raise InvalidInput(f"Write at least one metric after `{key} metrics:`, like {example}.")
    return MetricsUpdate(key=key, metrics=tuple(metrics.items()))


def _split_metric(part: str, example: str) -> tuple[str, str]:
    """A metric's normalised name and the text of its value."""
    labelled = re.fullmatch(r"(?P<name>[^\W\d_][\w\s-]*?)\s*[:=]\s*(?P<value>.*)", part)
    if labelled is not None:
        return _metric_name(labelled["name"], part, example), labelled["value"].strip()
    tokens = part.split()
    count = 0
    while count < len(tokens) and _METRIC_NAME_RE.fullmatch(tokens[count]):
        rest = tokens[count + 1 :]
        if tokens[count].upper() in CURRENCY_CODES and rest and _VALUE_START_RE.match(rest[0]):
            break
        count += 1
    if count == 0:
        raise InvalidInput(
            f"I couldn't find a metric name in `{part}`. Put the name before the value, "
            f"like {example}."
        )
    if count == len(tokens):
        if count == 1:
            raise InvalidInput(f"`{tokens[0]}` needs a value, like {example}.")
        count -= 1
    name_words = tokens[:count]
    if len(name_words) > 1 and name_words[-1].lower() in ("is", "at", "of", "was"):
        name_words = name_words[:-1]
    return _metric_name(" ".join(name_words), part, example), " ".join(tokens[count:])


def _metric_name(written: str, part: str, example: str) -> str:
    """A metric name lower-cased to a-z0-9_, with synonyms mapped (sales -> revenue)."""
    ascii_name = unicodedata.normalize("NFKD", written).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not name or not name[0].isalpha():
        raise InvalidInput(
            f"I couldn't read a metric name in `{part}`; use Latin letters and digits, "
            f"like {example}."
        )
    if len(name) > _METRIC_NAME_MAX:
        raise InvalidInput(
            f"Metric names can be at most {_METRIC_NAME_MAX} characters; `{written}` has "
            f"{len(name)}."
        )
    return _METRIC_SYNONYMS.get(name, name)


def _metric_value(name: str, written: str, example: str) -> Decimal:
    """A metric's exact value: an amount (`120k`, `$1.2m`), a number or a percentage."""
    text = written[:-1].rstrip() if written.endswith("%") else written
    try:
        value, _ = parse_amount(text, allow_negative=True, places=None)
    except InvalidInput:
        raise InvalidInput(
            f"I couldn't read the value of `{name}`: `{written}`. Write it like {example}."
        ) from None
    return value
