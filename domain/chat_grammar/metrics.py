"""A product's metrics in chat: `CHK metrics: revenue 120k, csat 4.4`."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from domain.chat_grammar.text import split_parts
from domain.chat_grammar.updates import MetricsUpdate
from domain.errors import InvalidInput
from domain.money import CURRENCY_CODES, parse_amount
from domain.vocabulary import METRIC_SYNONYMS

_METRIC_NAME_MAX = 40
_METRIC_NAME_RE = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)
_VALUE_START_RE = re.compile(r"[-−+0-9.$€£¥₹₩₪₺₴₱฿₦₫]")


def metrics_update(key: str, body: str) -> MetricsUpdate:
    """Read the body of `KEY metrics: …`."""
    example = f"`{key} metrics: revenue 120k, csat 4.4`"
    metrics: dict[str, Decimal] = {}
    currencies: dict[str, str] = {}
    for _, raw_part in split_parts(body):
        part = raw_part.rstrip(". ")
        if not part:
            continue
        name, value_text = _split_metric(part, example)
        if name in metrics:
            raise InvalidInput(f"`{name}` appears twice; give each metric once, like {example}.")
        metrics[name], currency = _metric_value(name, value_text, example)
        if currency is not None:
            currencies[name] = currency
    if not metrics:
        raise InvalidInput(f"Write at least one metric after `{key} metrics:`, like {example}.")
    return MetricsUpdate(
        key=key, metrics=tuple(metrics.items()), currencies=tuple(currencies.items())
    )


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
    return METRIC_SYNONYMS.get(name, name)


def _metric_value(name: str, written: str, example: str) -> tuple[Decimal, str | None]:
    """A metric's exact value (an amount, a number or a percentage) and its currency, if any."""
    text = written[:-1].rstrip() if written.endswith("%") else written
    try:
        return parse_amount(text, allow_negative=True, places=None)
    except InvalidInput:
        raise InvalidInput(
            f"I couldn't read the value of `{name}`: `{written}`. Write it like {example}."
        ) from None
