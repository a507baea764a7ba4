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


def write_output(
    target: str | Path, content: str | bytes, *, inputs: Iterable[str | Path] = ()
) -> Path:
    """Write ``content`` to ``target`` atomically; refuse to touch any of ``inputs``.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_output(folder / "out.txt", "halo").read_text()
        'halo'
    """
    out = Path(target)
    check_not_input(out, inputs)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {out}: the folder {folder} does not exist")
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if out.exists():
            os.chmod(temporary, out.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException:
        # Whatever stopped us (an error, Ctrl-C), the previous output stays as it was.
        Path(temporary).unlink(missing_ok=True)
        raise
    return out
