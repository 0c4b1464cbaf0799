"""Validate Block Kit payloads against Slack's schema plus the limits the schema can't express."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]


def schemas_dir() -> Path:
    """Slack's schemas: $FOLIO_SLACK_SCHEMAS, else ../shared/slack-schemas beside the checkout."""
    configured = os.environ.get("FOLIO_SLACK_SCHEMAS")
    path = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[3] / "shared" / "slack-schemas"
    )
    if not (path / "block-kit.schema.json").is_file():
        raise FileNotFoundError(
            f"Slack's schemas are not at {path}: check out Folio beside shared/ "
            "(…/main and …/shared) or set FOLIO_SLACK_SCHEMAS to the slack-schemas folder."
        )
    return path


SCHEMAS = schemas_dir()
BLOCK_LIMITS = {"message": 50, "modal": 100, "home": 100}
SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150
FIELDS_LIMIT = 10
FIELD_TEXT_LIMIT = 2000
TABLE_TYPES = {"table", "data_table"}


@cache
def block_validator() -> Draft202012Validator:
    """The Block Kit schema validator, compiled once."""
    schema = json.loads((SCHEMAS / "block-kit.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _action_ids(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "action_id" in node and isinstance(node["action_id"], str):
            yield node["action_id"]
        for value in node.values():
            yield from _action_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _action_ids(value)


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _text_of(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def block_problems(payload: Mapping[str, Any], *, surface: str = "message") -> list[str]:
    """Every problem Slack would reject (or that breaks our rules) in a payload; empty if fine."""
    if surface not in BLOCK_LIMITS:
        raise ValueError(f"surface must be one of {sorted(BLOCK_LIMITS)}, not {surface!r}")
    problems: list[str] = []
    blocks = payload.get("blocks")
    if blocks is None:
        if surface == "message" and not str(payload.get("text") or "").strip():
            problems.append("a message needs `text` or `blocks`")
        return problems
    if not isinstance(blocks, list):
        return [f"`blocks` must be a list, got {type(blocks).__name__}"]
    for error in sorted(block_validator().iter_errors(blocks), key=lambda e: list(e.absolute_path)):
        detail = best_match([error])
        where = "/".join(str(p) for p in detail.absolute_path) or "(root)"
        problems.append(f"schema: blocks/{where}: {_short(detail.message)}")
    limit = BLOCK_LIMITS[surface]
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks; a {surface} allows at most {limit}")
    if surface == "message" and not str(payload.get("text") or "").strip():
        problems.append("a message with blocks needs a non-empty `text` fallback")
    seen_blocks: set[str] = set()
    seen_actions: set[str] = set()
    tables = 0
    for index, block in enumerate(b for b in blocks if isinstance(b, dict)):
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_blocks:
                problems.append(f"blocks/{index}: duplicate block_id {block_id!r}")
            seen_blocks.add(block_id)
        for action_id in _action_ids(block):
            if action_id in seen_actions:
                problems.append(f"blocks/{index}: duplicate action_id {action_id!r}")
            seen_actions.add(action_id)
        kind = block.get("type")
        tables += kind in TABLE_TYPES
        if kind == "section":
            text = _text_of(block.get("text"))
            if len(text) > SECTION_TEXT_LIMIT:
                problems.append(f"blocks/{index}: section text is {len(text)} chars (max 3000)")
            fields = block.get("fields") or []
            if len(fields) > FIELDS_LIMIT:
                problems.append(f"blocks/{index}: {len(fields)} fields (max 10)")
            for number, field in enumerate(fields):
                if len(_text_of(field)) > FIELD_TEXT_LIMIT:
                    problems.append(f"blocks/{index}/fields/{number}: longer than 2000 chars")
        if kind == "header" and len(_text_of(block.get("text"))) > HEADER_TEXT_LIMIT:
            problems.append(f"blocks/{index}: header text longer than 150 chars")
    if surface == "message" and tables > 1:
        problems.append(f"{tables} tables; a message allows one")
    return problems


def assert_valid_message(payload: Mapping[str, Any], *, surface: str = "message") -> None:
    """Fail the test, listing every problem, if Slack would reject this payload's blocks."""
    problems = block_problems(payload, surface=surface)
    assert not problems, "Invalid Block Kit payload:\n- " + "\n- ".join(problems)


@cache
def view_validator(surface: str) -> Draft202012Validator:
    """A validator for a whole view (`modal_view` or `home_view` of Slack's schema)."""
    schema = json.loads((SCHEMAS / "block-kit.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator({"$ref": f"#/$defs/{surface}_view", "$defs": schema["$defs"]})


def view_problems(view: Mapping[str, Any]) -> list[str]:
    """Every problem Slack would reject in a view (modal or home), and our rules on blocks."""
    surface = str(view.get("type"))
    if surface not in ("modal", "home"):
        return [f"a view's type is modal or home, not {surface!r}"]
    problems = [
        f"schema: view/{'/'.join(str(p) for p in best_match([e]).absolute_path)}: "
        f"{_short(best_match([e]).message)}"
        for e in view_validator(surface).iter_errors(dict(view))
    ]
    return problems + block_problems(view, surface=surface)


def assert_valid_view(view: Mapping[str, Any]) -> None:
    """Fail the test, listing every problem, if Slack would reject this view."""
    problems = view_problems(view)
    assert not problems, "Invalid view:\n- " + "\n- ".join(problems)
