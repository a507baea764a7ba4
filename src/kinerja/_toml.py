"""Reading TOML for planners: exact numbers, and line numbers for keys.

tomllib gives a line only for syntax errors; :func:`key_lines` finds the line where a key
path is written, so that schema errors can point at it too.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._errors import Problem

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(
    r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="
)
_INLINE_KEY = re.compile(r"[{,]\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)\s*=")
_LINE_IN_MESSAGE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)", text)
    return tuple(a or b or c for a, b, c in parts)


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each key path written in ``text`` to its 1-based line.

    Array items of inline tables written one per line get their index:
    ``("bands", 2, "min")``.
    """
    found: dict[tuple[str | int, ...], int] = {}
    prefix: tuple[str | int, ...] = ()
    array_key: tuple[str | int, ...] | None = None
    array_index = -1
    array_counts: dict[tuple[str | int, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and array_key is None:
            keys = _split_key(header.group(2))
            if header.group(1) == "[[":
                index = array_counts.get(keys, -1) + 1
                array_counts[keys] = index
                prefix = (*keys, index)
            else:
                prefix = keys
            found.setdefault(prefix, number)
            continue
        assign = _ASSIGN.match(line)
        if assign and array_key is None:
            path = (*prefix, *_split_key(assign.group(1)))
            found.setdefault(path, number)
            rest = line[assign.end() :]
            if rest.lstrip().startswith("[") and "]" not in rest:
                array_key, array_index = path, -1
            for key in _INLINE_KEY.findall(rest):
                found.setdefault((*path, *_split_key(key)), number)
            continue
        if array_key is not None:
            if stripped.startswith("{"):
                array_index += 1
                item = (*array_key, array_index)
                found.setdefault(item, number)
                for key in _INLINE_KEY.findall(stripped):
                    found.setdefault((*item, *_split_key(key)), number)
            if stripped.startswith("]") or stripped.endswith("]"):
                array_key = None
    return found


def line_of(lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...]) -> int | None:
    """Line of the longest prefix of ``path`` that is written in the file."""
    for end in range(len(path), 0, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None


def read_toml(path: Path, shown: str) -> tuple[dict[str, Any] | None, str, Problem | None]:
    """Read a TOML file with floats as exact Decimals.

    Returns the document, its text, and a problem instead of a document when it cannot be read.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, "", Problem(f"cannot read the file: {exc.strerror or exc}", file=shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            None,
            "",
            Problem(
                f"the file is not UTF-8 text (byte {exc.start})",
                file=shown,
                suggestion="save it as UTF-8",
            ),
        )
    try:
        document = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = None
        match = _LINE_IN_MESSAGE.search(message)
        if match:
            line = int(match.group(1))
            message = message[: match.start()].strip()
        return (
            None,
            text,
            Problem(
                f"not valid TOML: {message}",
                file=shown,
                line=line,
                suggestion="check quotes, brackets and '=' on that line",
            ),
        )
    return document, text, None
