"""Reading TOML for planners: exact numbers, and line numbers for keys.

tomllib gives a line only for syntax errors; :func:`key_lines` finds the line where a key
path is written, so that schema errors can point at it too.

Values nested more than :data:`MAX_DEPTH` tables or lists deep are refused here, when the
file is read: every later walk over a document (kinerja's and pydantic's) may then recurse.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from ._errors import Problem

# Tables and lists inside each other: kinerja's files need four or five levels.
MAX_DEPTH: Final = 64

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(
    r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="
)
_INLINE_KEY = re.compile(r"[{,]\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)\s*=")
_LINE_IN_MESSAGE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)", text)
    return tuple(a or b or c for a, b, c in parts)


def _record(
    found: dict[tuple[str | int, ...], int], path: tuple[str | int, ...], line: int
) -> None:
    """Record ``path`` and every table above it (``[a.b.c]`` also mentions ``a`` and ``a.b``)."""
    for end in range(1, len(path) + 1):
        found.setdefault(path[:end], line)


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each key path written in ``text`` to its 1-based line.

    Array items of inline tables written one per line get their index:
    ``("bands", 2, "min")``. A table mentioned only through a longer path
    (``[values."demo.kemampuan".anak]``) gets the line of its first mention.
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
            _record(found, prefix, number)
            continue
        assign = _ASSIGN.match(line)
        if assign and array_key is None:
            path = (*prefix, *_split_key(assign.group(1)))
            _record(found, path, number)
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


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of byte ``offset``."""
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _unclosed_string(lines: list[str]) -> tuple[int, str] | None:
    """Line and opening quote of a string that is never closed (a best guess), or None."""
    in_multiline: str | None = None
    opened = 0
    for number, line in enumerate(lines, start=1):
        text = line
        if in_multiline is not None:
            if in_multiline in text:
                text = text.split(in_multiline, 1)[1]
                in_multiline = None
            else:
                continue
        quote: str | None = None
        index = 0
        while index < len(text):
            char = text[index]
            if quote is None:
                if char == "#":
                    break
                for triple in ('"""', "'''"):
                    if text.startswith(triple, index):
                        rest = text[index + 3 :]
                        if triple in rest:
                            index += 3 + rest.index(triple) + 3
                            break
                        in_multiline, opened = triple, number
                        index = len(text)
                        break
                else:
                    if char in "\"'":
                        quote = char
                    index += 1
                continue
            if char == "\\" and quote == '"':
                index += 2
                continue
            if char == quote:
                quote = None
            index += 1
        if quote is not None:
            return number, quote
    return (opened, in_multiline) if in_multiline is not None else None


def _key_of(line: str) -> str | None:
    assign = _ASSIGN.match(line)
    return ".".join(_split_key(assign.group(1))) if assign else None


def _explain(message: str, line: int | None, lines: list[str]) -> tuple[str, int | None, str]:
    """Planner-readable text, line and suggestion for a tomllib error message."""
    source = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
    key = _key_of(source)
    value = source.split("=", 1)[1].split("#", 1)[0].strip() if "=" in source else ""
    if message.startswith(("Illegal character '\\n'", "Unterminated string", 'Expected "\'"')):
        # A one-line string ends at the line break (tomllib knows the line); at the end of
        # the document, the line where the string opened is the one to show.
        opened: tuple[int, str] | None = None
        if not message.startswith("Illegal character"):
            opened = _unclosed_string(lines)
        elif line is not None:
            on_line = _unclosed_string([source])
            opened = (line, on_line[1] if on_line else '"')
        if opened is not None:
            opened_line, quote = opened
            hint = f"end the text with {quote}"
            if len(quote) == 1:
                hint += f" on the same line, or use {quote * 3} for text over several lines"
            return "a text value is not closed: its closing quote is missing", opened_line, hint
    if message == "Cannot overwrite a value" and key is not None and line is not None:
        table = _table_at(lines, line)
        earlier = key_lines("\n".join(lines[: line - 1]))
        first = earlier.get((*(_split_key(table[1:-1]) if table else ()), *_split_key(key)))
        where = f" in {table}" if table else ""
        where += f" (first on line {first})" if first else ""
        return f"the key {key!r} is given twice{where}", line, "keep one of them"
    declared = re.match(r"Cannot declare \((.*)\) twice", message)
    if declared and line is not None:
        name = source.strip()
        earlier_lines = [
            n for n, text in enumerate(lines[: line - 1], start=1) if text.strip() == name
        ]
        where = f" (first on line {earlier_lines[0]})" if earlier_lines else ""
        return (
            f"the table {name} is declared twice{where}",
            line,
            "put all its keys under one header",
        )
    duplicate_inline = re.match(r"Duplicate inline table key '(.*)'", message)
    if duplicate_inline:
        return (
            f"the key {duplicate_inline.group(1)!r} is given twice in one {{ ... }} table",
            line,
            "keep one of them",
        )
    if message == "Expected '=' after a key in a key/value pair":
        words = source.strip().split(None, 1)
        hint = f"write {words[0]} = {words[1]}" if len(words) == 2 else "write key = value"
        return "expected '=' after the key", line, hint
    if message == "Expected newline or end of document after a statement" and key is not None:
        if re.fullmatch(r"-?[\d.]*\d,\d+", value):
            fixed = value.replace(".", "").replace(",", ".")
            return (
                f"{value} is not a number in TOML (a comma cannot be a decimal point)",
                line,
                f"write {key} = {fixed}",
            )
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", value):
            return (
                f"{value} is not a number in TOML (a dot cannot separate thousands)",
                line,
                f"write {key} = {value.replace('.', '')}",
            )
        return (
            "unexpected text after the value",
            line,
            "write one key = value per line, and text values in quotes",
        )
    if message == "Invalid value" and key is not None:
        if not value:
            return "the value after '=' is missing", line, "write key = value"
        if re.fullmatch(r"[^\"'\[{]\S*(\s+\S+)*", value):
            return (
                f"{value} is not a value: text must be in quotes",
                line,
                f'write {key} = "{value}"',
            )
    if message == "Unclosed array":
        return "a list [ ... ] is not closed", line, "add the closing ]"
    if message == "Unclosed inline table":
        return (
            "a { ... } table is not closed on this line",
            line,
            "write it on one line and end it with }",
        )
    if message == "Invalid initial character for a key part" and "{" in source:
        return (
            "a { ... } table must be on one line, without a comma after its last item",
            line,
            "write it on one line, or use a [table] header",
        )
    return message, line, "check quotes, brackets and '=' on that line"


def _table_at(lines: list[str], line: int) -> str | None:
    """The ``[header]`` that line ``line`` belongs to, as written, or None at the top."""
    for text in reversed(lines[: line - 1]):
        header = _HEADER.match(text)
        if header:
            return text.split("#", 1)[0].strip()
    return None


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _shown_key(path: tuple[str | int, ...]) -> str:
    """The key path as TOML writes it, up to its first list index (``values."demo.nka".a``)."""
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            break
        parts.append(part if _BARE_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"')
    return ".".join(parts)


def too_deep(document: Any, limit: int = MAX_DEPTH) -> tuple[str | int, ...] | None:
    """Key path of the first table or list nested more than ``limit`` levels deep, or None.

    Walks with an explicit stack, not recursion, so that any depth is safe to check.

    Example:
        >>> too_deep({"a": [[1]]}, limit=2)
        >>> too_deep({"a": [[[1]]]}, limit=2)
        ('a', 0, 0)
    """
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if len(path) > limit:
            return path
        children: Any = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list | tuple)
            else ()
        )
        for key, child in children:
            if isinstance(child, dict | list | tuple):
                stack.append(((*path, key), child))
    return None


def _deep_start(text: str, limit: int) -> tuple[int, str | None] | None:
    """Line and key of the first value whose brackets nest more than ``limit`` deep.

    A scan of the text for when tomllib itself runs out of stack: strings and comments are
    skipped, ``[`` and ``{`` inside a value count as one level each. None if none is found.
    """
    depth = 0
    line = 1
    start_line = 1
    at_line_start = True
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\n":
            line += 1
            at_line_start = True
            index += 1
            continue
        if char in " \t\r":
            index += 1
            continue
        first_on_line, at_line_start = at_line_start, False
        if char == "#" or (char == "[" and depth == 0 and first_on_line):
            # A comment, or a [table] header: nothing nests there.
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        if char in "\"'":
            triple = text.startswith(char * 3, index)
            closing = char * 3 if triple else char
            index += len(closing)
            while index < length and not text.startswith(closing, index):
                if text[index] == "\n":
                    if not triple:
                        break  # not closed on its line: the main loop counts the line
                    line += 1
                elif char == '"' and text[index] == "\\":
                    index += 1
                    line += text.startswith("\n", index)
                index += 1
            else:
                index += len(closing)
            continue
        if char in "[{":
            if depth == 0:
                start_line = line
            depth += 1
            if depth > limit:
                lines = text.splitlines()
                source = lines[start_line - 1] if start_line <= len(lines) else ""
                assign = _ASSIGN.match(source)
                if assign is None:
                    return start_line, None
                table = _table_at(lines, start_line)
                prefix = _split_key(table.strip("[]")) if table else ()
                return start_line, _shown_key((*prefix, *_split_key(assign.group(1))))
        elif char in "]}":
            depth = max(depth - 1, 0)
        index += 1
    return None


def _depth_problem(shown: str, line: int | None, key: str | None) -> Problem:
    return Problem(
        f"the value is nested more than {MAX_DEPTH} levels deep (tables and lists inside "
        "each other)",
        file=shown,
        line=line,
        key=key or None,
        suggestion="write it with fewer levels: a kinerja file needs only a few",
    )


def read_toml(path: Path, shown: str) -> tuple[dict[str, Any] | None, str, Problem | None]:
    """Read a TOML file with floats as exact Decimals.

    Returns the document, its text, and a problem instead of a document when it cannot be read.
    A UTF-8 byte order mark (as some Windows editors write) is accepted.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, "", Problem(f"cannot read the file: {exc.strerror or exc}", file=shown)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line, column = _position(raw, exc.start)
        return (
            None,
            "",
            Problem(
                f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {column} "
                "cannot be read",
                file=shown,
                line=bad_line,
                suggestion="save the file with the UTF-8 encoding",
            ),
        )
    try:
        document = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        lines = text.splitlines()
        line: int | None = None
        match = _LINE_IN_MESSAGE.search(message)
        if match:
            line = int(match.group(1))
            message = message[: match.start()].strip()
        elif message.endswith("(at end of document)"):
            line = max(len(lines), 1)
            message = message[: -len("(at end of document)")].strip()
        reason, where, suggestion = _explain(message, line, lines)
        return (
            None,
            text,
            Problem(f"not valid TOML: {reason}", file=shown, line=where, suggestion=suggestion),
        )
    except RecursionError:
        # tomllib parses nested values recursively: a file deep enough exhausts the stack.
        found = _deep_start(text, MAX_DEPTH)
        return None, text, _depth_problem(shown, *(found or (None, None)))
    deep = too_deep(document)
    if deep is not None:
        return None, text, _depth_problem(shown, line_of(key_lines(text), deep), _shown_key(deep))
    return document, text, None
