"""Splitting a chat message into parts, and joining notes back as they were written."""

from __future__ import annotations

import re

from domain.commands.common import TEXT_MAX
from domain.errors import InvalidInput

SEPARATOR_RE = re.compile(r"(\n+|;|(?<![0-9]),|,(?![0-9])|\.\s+|\s+[-–—]\s+|\s*[–—]\s*)")
TRAILING_RE = re.compile(r"[\s.!]+$")

Parts = list[tuple[str, str]]
"""A message's parts, each with the separator written before it ("" for the first)."""


def words(*phrases: str) -> str:
    """A regex alternation of phrases, longest first, any run of space/-/_ between words."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"[\s_-]+".join(map(re.escape, phrase.split())) for phrase in ordered)


def normal(phrase: str) -> str:
    """A phrase lower-cased with runs of space, `-` and `_` made single spaces."""
    return " ".join(re.sub(r"[\s_-]+", " ", phrase.lower()).split())


def split_parts(body: str) -> Parts:
    """The parts of a message, each with the separator written before it ("" for the first)."""
    pieces = SEPARATOR_RE.split(body)
    parts: Parts = []
    pending = ""
    for index, piece in enumerate(pieces):
        if index % 2:
            pending += piece
        elif piece.strip():
            parts.append((pending if parts else "", piece.strip()))
            pending = ""
    return parts


def join_parts(parts: Parts) -> str:
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


def check_length(text: str, *, what: str) -> None:
    """Refuse a note, blocker or feedback longer than a slash command's `| note` allows."""
    if len(text) > TEXT_MAX:
        raise InvalidInput(
            f"{what} can be at most {TEXT_MAX:,} characters (as with `| note`); this one has "
            f"{len(text):,}. Nothing was recorded: shorten it, or put the detail in the thread."
        )
