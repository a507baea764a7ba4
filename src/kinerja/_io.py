"""Writing outputs safely: atomically, and never over an input.

Every file kinerja writes goes through :func:`write_output`: the content is written to a
temporary file in the target's folder, flushed to disk, then renamed over the target, so
an interrupted run leaves the previous output intact and a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ._errors import OutputError


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_not_input(target: str | Path, inputs: Iterable[str | Path]) -> None:
    """Refuse ``target`` when it is one of ``inputs`` or lies inside an input folder."""
    out = Path(target)
    for given in inputs:
        source = Path(given)
        if _same_file(out, source):
            raise OutputError(f"refusing to write {out}: it is an input of this command")
        if source.is_dir():
            try:
                out.resolve().relative_to(source.resolve())
            except ValueError:
                continue
            raise OutputError(f"refusing to write {out}: it is inside the input folder {source}")


def check_output(target: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Check before any work that ``target`` can be written; return the path to write.

    Refuses an empty path, a folder, something that is not a regular file (a device, pipe
    or socket, which an atomic rename would replace), a missing folder, and any input of
    the command. A symbolic link is followed, so the file it points to is the one
    replaced.

    Example:
        >>> check_output("")
        Traceback (most recent call last):
        ...
        kinerja._errors.OutputError: refusing to write an empty path: give a file name after -o
    """
    if not str(target).strip():
        raise OutputError("refusing to write an empty path: give a file name after -o")
    given = Path(target)
    out = Path(os.path.realpath(given)) if given.is_symlink() else given
    check_not_input(out, inputs)
    if out.is_dir():
        raise OutputError(f"refusing to write {given}: it is a folder; give a file name in it")
    if out.exists() and not out.is_file():
        raise OutputError(
            f"refusing to write {given}: it is not a regular file (a device, pipe or socket); "
            "leave out -o to write to standard output and redirect that instead"
        )
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {given}: the folder {folder} does not exist")
    return out


def write_output(
    target: str | Path, content: str | bytes, *, inputs: Iterable[str | Path] = ()
) -> Path:
    """Write ``content`` to ``target`` atomically; refuse to touch any of ``inputs``.

    The checks of :func:`check_output` run first; an operating-system failure while
    writing (a full disk, no permission) becomes an :class:`OutputError` and leaves the
    previous file as it was.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_output(folder / "out.txt", "halo").read_text()
        'halo'
    """
    out = check_output(target, inputs)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        mode = out.stat().st_mode & 0o7777 if out.exists() else 0o644
        os.chmod(temporary, mode)
        os.replace(temporary, out)
    except BaseException as exc:
        # Whatever stopped us (an error, Ctrl-C), the previous output stays as it was.
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(
                f"cannot write {target}: {exc.strerror or exc}; the previous file, if any, "
                "is unchanged"
            ) from exc
        raise
    return Path(target)
