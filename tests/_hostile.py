"""Sentinels for hostile-input tests: prove that nothing outside the allow-list runs.

While :func:`trapped` is active, process-, file-, network- and eval-level functions are
replaced by sentinels that record the call and raise :class:`EscapeExecutedError` (a
BaseException, so no ``except Exception`` in the library can swallow it), and importing
``os``, ``subprocess``, ``sys`` and the like is refused. Unlike the fixture of
``tests/test_escapes.py`` this is a context manager, so that Hypothesis tests can trap each
example without tripping over Hypothesis' own file access.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import io
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any


class EscapeExecutedError(BaseException):
    """Raised by a sentinel: something outside the allow-list ran."""


FORBIDDEN_IMPORTS = frozenset(
    {"os", "subprocess", "shutil", "socket", "ctypes", "pty", "posix", "sys", "importlib"}
)

TRAPPED: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (
        os,
        (
            "system",
            "popen",
            "execv",
            "execve",
            "execvp",
            "spawnv",
            "fork",
            "remove",
            "unlink",
            "rmdir",
            "rename",
            "replace",
            "mkdir",
            "makedirs",
            "kill",
            "putenv",
            "unsetenv",
            "chdir",
            "chmod",
            "open",
        ),
    ),
    (subprocess, ("Popen", "run", "call", "check_call", "check_output")),
    (shutil, ("rmtree", "copy", "copyfile", "move")),
    (socket, ("socket", "create_connection")),
    (io, ("open",)),
    # not compile: ast.parse calls it (with the ast-only flag) to parse a formula
    (builtins, ("open", "eval", "exec", "breakpoint", "input")),
)


class Sentinels:
    """The record of every trapped call made by the thread that set the traps.

    Other threads (a dataframe library's monitor left running by an earlier test, say)
    call the real functions: what kinerja runs here runs in the trapping thread.
    """

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.owner = threading.get_ident()

    def trap(self, label: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def sentinel(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() != self.owner or _importing():
                return original(*args, **kwargs)
            self.calls.append(f"{label}{args!r:.80}")
            raise EscapeExecutedError(label)

        return sentinel


def _importing() -> bool:
    """Whether the sentinel was called by Python's import machinery (exec of a module)."""
    return sys._getframe(2).f_code.co_filename.startswith("<frozen importlib")


@contextlib.contextmanager
def trapped() -> Iterator[Sentinels]:
    """Replace the dangerous functions by sentinels for the duration of the block.

    The block must not itself open files or print. On exit the originals are restored and,
    if any sentinel fired, AssertionError names the calls. The garbage collector is paused
    meanwhile, so that no finalizer of another test's objects runs inside the block.
    Imports of allowed modules still work (the import machinery may ``exec``); imports of
    the forbidden ones are refused.
    """
    record = Sentinels()
    collecting = gc.isenabled()
    gc.disable()
    saved: list[tuple[Any, str, Any]] = []
    real_import = builtins.__import__

    def guarded_import(name: str, *args: Any, **kwargs: Any) -> Any:
        forbidden = name.split(".", maxsplit=1)[0] in FORBIDDEN_IMPORTS
        if forbidden and threading.get_ident() == record.owner:
            record.calls.append(f"import {name}")
            raise EscapeExecutedError(f"import {name}")
        return real_import(name, *args, **kwargs)

    try:
        for module, names in TRAPPED:
            for name in names:
                if hasattr(module, name):
                    original = getattr(module, name)
                    saved.append((module, name, original))
                    setattr(module, name, record.trap(f"{module.__name__}.{name}", original))
        saved.append((builtins, "__import__", real_import))
        builtins.__import__ = guarded_import
        yield record
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)
        if collecting:
            gc.enable()
    assert record.calls == [], f"something outside the allow-list ran: {record.calls}"
