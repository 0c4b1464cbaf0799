"""The products CSV: read it for `python bot.py import`, write it for `/portfolio export` (pure).

A file is read all-or-nothing: every problem in every row is collected with its line
number, so a person can fix the whole file in one pass.

Values that a spreadsheet would run as a formula (starting with `=`, `+`, `-` or `@`) are
written with a leading `'`, which Excel and LibreOffice show as plain text; reading removes
that one `'` again, so an exported file imports unchanged. Line breaks inside a quoted name
or category (Alt+Enter in Excel) read as spaces. The text is written without a byte-order
mark; encode it as `utf-8-sig` for Excel to show accents right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar, cast

from domain.commands.common import CATEGORY_MAX, NAME_MAX
from domain.errors import InvalidInput
from domain.grammar import USER_ID_RE, check_key, clean_text, did_you_mean, one_of, parse_mention
from domain.money import CENT, parse_amount, parse_percent, plain_decimal
from domain.vocabulary import HEALTHS, STAGES

COLUMNS: tuple[str, ...] = (
    "key",
    "name",
    "owner",
    "category",
    "stage",
    "health",
    "investment",
    "expected_return",
    "confidence",
    "cashflows",
    "objectives",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("key", "name")
DEFAULT_CATEGORY = "General"
DEFAULT_STAGE = "ideation"
DEFAULT_HEALTH = "on track"
DEFAULT_CONFIDENCE = Decimal("0.50")
LIST_SEPARATOR = ";"
MAX_LISTED_PROBLEMS = 20

_ZERO = Decimal("0.00")
_FORMULA_START = ("=", "+", "-", "@")
_T = TypeVar("_T")
_UNIQUE_COLUMNS = frozenset({"key", "name"})  # different in every row: not worth remembering


@dataclass(frozen=True)
class ProductRow:
    """One product as the CSV describes it; amounts in the portfolio's currency, confidence 0..1."""

    key: str
    name: str
    owner_id: str | None
    category: str
    stage: str
    health: str
    investment: Decimal
    expected_return: Decimal
    confidence: Decimal
    cashflows: tuple[Decimal, ...]
    objectives: tuple[str, ...]


class CsvErrors(InvalidInput):
    """A CSV that could not be imported: every problem, each with its line number."""

    def __init__(self, problems: Sequence[tuple[int, str]]) -> None:
        self.problems: list[tuple[int, str]] = sorted(problems, key=lambda p: p[0])
        super().__init__(_describe(self.problems))


def parse_products_csv(text: str, *, currency: str | None = None) -> list[ProductRow]:
    """Read a products CSV; raise CsvErrors listing every bad row, or return every row.

    When `currency` is given, an amount written in another currency is a problem.
    """
    rows, problems = read_products_csv(text, currency=currency)
    if problems:
        raise CsvErrors(problems)
    return rows


def read_products_csv(
    text: str, *, currency: str | None = None
) -> tuple[list[ProductRow], list[tuple[int, str]]]:
    """Read a products CSV: the good rows and every problem of the others, by line number.

    A caller with more to check (does each objective exist?) checks the good rows and
    reports its problems with these, so a person fixes the whole file in one pass. A bad
    header raises CsvErrors at once (no row can be read without it).
    """
    lines = io.StringIO(text.removeprefix("\ufeff"), newline="")
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise CsvErrors([(1, _csv_error(error, 1, reader.line_num))]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise CsvErrors([(1, f"The first line must be a header, e.g. `{','.join(COLUMNS)}`.")])
    columns = _read_header(header)

    rows: list[ProductRow] = []
    problems: list[tuple[int, str]] = []
    first_line_of: dict[str, int] = {}
    memo: dict[tuple[str, str], object] = {}
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append((line, _csv_error(error, line, reader.line_num)))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        row, row_problems = _read_row(cells, columns, currency, memo)
        if row_problems and reader.line_num > start:
            row_problems.append(
                f"This row runs over lines {start}–{reader.line_num}; if it shouldn't, "
                'a closing `"` is missing.'
            )
        problems.extend((start, message) for message in row_problems)
        if row is None:
            continue
        if row.key in first_line_of:
            problems.append(
                (
                    start,
                    f"Key `{row.key}` is already used on line {first_line_of[row.key]}; "
                    "each product appears once.",
                )
            )
            continue
        first_line_of[row.key] = start
        rows.append(row)
    return rows, problems


def write_products_csv(rows: Iterable[ProductRow]) -> str:
    """Write products as CSV with every column; parse_products_csv reads it back unchanged.

    The rows may come one at a time (a generator): only the text is kept whole.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.key,
                _guard_formula(row.name),
                row.owner_id or "",
                _guard_formula(row.category),
                row.stage,
                row.health,
                _plain_amount(row.investment),
                _plain_amount(row.expected_return),
                f"{plain_decimal(row.confidence * 100)}%",
                _guard_formula(LIST_SEPARATOR.join(_plain_amount(c) for c in row.cashflows)),
                LIST_SEPARATOR.join(row.objectives),
            )
        )
    return out.getvalue()


def _csv_error(error: csv.Error, start: int, end: int) -> str:
    """What a CSV syntax error means for a person writing the file."""
    if "end of data" in str(error):
        return (
            f'A quoted value that starts here never ends: add the closing `"` '
            f"(the file ends on line {end})."
        )
    if "expected after" in str(error):
        return (
            "A quoted value has more text after its closing quote. Put the whole value in "
            'quotes and double any quote inside it, like `"Checkout ""v2"""`.'
        )
    return f"This line can't be read as CSV ({error})."


def _describe(problems: Sequence[tuple[int, str]]) -> str:
    return describe_problems(problems)


def describe_problems(
    problems: Sequence[tuple[int, str]], *, limit: int | None = MAX_LISTED_PROBLEMS
) -> str:
    """One message for a person: how many lines are wrong, then each problem (up to limit)."""
    if not problems:
        return "The CSV could not be imported."
    lines = len({line for line, _ in problems})
    what = "1 line has" if lines == 1 else f"{lines:,} lines have"
    shown = problems if limit is None else problems[:limit]
    listed = [f"line {line}: {message}" for line, message in shown]
    hidden = len(problems) - len(listed)
    if hidden:
        listed.append(f"… and {hidden:,} more problems.")
    return f"Nothing was imported: {what} problems. Fix them and import again.\n" + "\n".join(
        listed
    )


def _read_header(header: Sequence[str]) -> list[str]:
    """Column names in file order, normalised; CsvErrors for unknown, repeated or missing ones."""
    names = [_column_name(cell) for cell in header]
    problems: list[str] = []
    unknown = [(cell.strip(), name) for cell, name in zip(header, names, strict=True)]
    unknown = [(cell, name) for cell, name in unknown if name not in COLUMNS]
    if unknown:
        described = []
        for cell, name in unknown:
            hint = did_you_mean(name, COLUMNS)
            described.append(f"`{cell}`" + (f" (did you mean `{hint}`?)" if hint else ""))
        plural = "s" if len(unknown) > 1 else ""
        columns = ", ".join(COLUMNS)
        problems.append(
            f"Unknown column{plural} {', '.join(described)}. The columns are: {columns}."
        )
    repeated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if repeated:
        problems.append(
            f"The column{'s' if len(repeated) > 1 else ''} "
            f"{', '.join(f'`{n}`' for n in repeated)} appear{'' if len(repeated) > 1 else 's'} "
            "more than once; keep one of each."
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        problems.append(
            f"The header needs the column{'s' if len(missing) > 1 else ''} "
            f"{' and '.join(f'`{n}`' for n in missing)}, e.g. `key,name,investment`."
        )
    if problems:
        raise CsvErrors([(1, message) for message in problems])
    return names


def _column_name(cell: str) -> str:
    """`Expected Return` and `expected-return` both name `expected_return`."""
    return "_".join(cell.strip().lower().replace("-", " ").split())


def _read_row(
    cells: Sequence[str],
    columns: Sequence[str],
    currency: str | None,
    memo: dict[tuple[str, str], object],
) -> tuple[ProductRow | None, list[str]]:
    """One data row as a ProductRow, or None with every problem it has.

    `memo` remembers what each (column, text) read as, since most values repeat down a file.
    """
    if len(cells) > len(columns):
        return None, [
            f"This row has {len(cells)} values but the header has {len(columns)} columns. "
            'Put quotes around a value that contains a comma, like `"Checkout, v2"`.'
        ]
    values = dict(zip(columns, map(_cell_text, cells), strict=False))  # short rows: rest empty
    problems: list[str] = []

    def field(name: str, read: Callable[[str], _T], default: _T) -> _T:
        text = values.get(name, "")
        if not text:
            return default
        known = memo.get((name, text), memo)
        if known is memo:
            try:
                known = read(text)
            except InvalidInput as error:
                known = error
            if name not in _UNIQUE_COLUMNS:
                memo[(name, text)] = known
        if isinstance(known, InvalidInput):
            problems.append(f"{name}: {known.message}")
            return default
        return cast(_T, known)

    def required(name: str, read: Callable[[str], str], example: str) -> str:
        if not values.get(name, ""):
            problems.append(f"{name}: a product needs a {name}, e.g. `{example}`.")
            return ""
        return field(name, read, "")

    def amount(text: str) -> Decimal:
        return _amount(text, currency=currency, allow_negative=False)

    key = required("key", check_key, "CHK")
    name = required("name", _name, "Checkout")
    row = ProductRow(
        key=key,
        name=name,
        owner_id=field("owner", _owner, None),
        category=field("category", _category, DEFAULT_CATEGORY),
        stage=field("stage", _stage, DEFAULT_STAGE),
        health=field("health", _health, DEFAULT_HEALTH),
        investment=field("investment", amount, _ZERO),
        expected_return=field("expected_return", amount, _ZERO),
        confidence=field("confidence", _confidence, DEFAULT_CONFIDENCE),
        cashflows=field("cashflows", lambda text: _cashflows(text, currency), ()),
        objectives=field("objectives", _objectives, ()),
    )
    return (None, problems) if problems else (row, [])


def _name(text: str) -> str:
    return clean_text(_one_line(text), what="A product name", max_len=NAME_MAX)


def _category(text: str) -> str:
    return clean_text(_one_line(text), what="A category", max_len=CATEGORY_MAX)


def _one_line(text: str) -> str:
    """A spreadsheet cell may hold line breaks or tabs; a name reads them as spaces."""
    return " ".join(text.split())


def _stage(text: str) -> str:
    return one_of(text, STAGES, what="lifecycle stage")


def _health(text: str) -> str:
    return one_of(text, HEALTHS, what="health")


def _confidence(text: str) -> Decimal:
    return parse_percent(text, what="Confidence")


def _owner(text: str) -> str:
    """A Slack user id (`U123ABC`), also accepted as a mention (`<@U123ABC>`)."""
    if USER_ID_RE.fullmatch(text):
        return text
    if text.startswith("<@"):
        return parse_mention(text)
    raise InvalidInput(
        f"`{text}` isn't a Slack user id. Write the owner's member id, like `U123ABC` "
        "(in Slack: their profile → ⋮ → Copy member ID), or leave it empty."
    )


def _amount(text: str, *, currency: str | None, allow_negative: bool) -> Decimal:
    value, written = parse_amount(text, allow_negative=allow_negative)
    if currency is not None and written is not None and written != currency.upper():
        raise InvalidInput(
            f"`{text}` is in {written}, but this portfolio counts in {currency.upper()}. "
            f"Convert it, or write the number alone, like `120k`."
        )
    return value


def _cashflows(text: str, currency: str | None) -> tuple[Decimal, ...]:
    parts = [part.strip() for part in text.split(LIST_SEPARATOR)]
    if any(not part for part in parts):
        raise InvalidInput(
            f"`{text}` has an empty year between `;` signs; write one amount per year, "
            "like `-100k;50k;80k` (use `0` for a year with no cash flow)."
        )
    return tuple(_amount(part, currency=currency, allow_negative=True) for part in parts)


def _objectives(text: str) -> tuple[str, ...]:
    keys = [check_key(part.strip()) for part in text.split(LIST_SEPARATOR) if part.strip()]
    return tuple(dict.fromkeys(keys))


def _plain_amount(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def _guard_formula(text: str) -> str:
    """Prefix `'` so a spreadsheet shows `=…`, `+…`, `-…`, `@…` as text, not a formula."""
    return "'" + text if text.lstrip("'").startswith(_FORMULA_START) else text


def _cell_text(cell: str) -> str:
    """A cell's text, without surrounding space or the `'` that _guard_formula wrote."""
    text = cell.strip()
    if text[:1] == "'" and text.lstrip("'").startswith(_FORMULA_START):
        return text[1:]
    return text
