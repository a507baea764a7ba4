"""The dispatch table: format name -> renderer module (imported on first use)."""

from __future__ import annotations

import importlib
from typing import Any, Final

from .._errors import KinerjaError
from ._model import Report

# Each module has ``render(report, **options) -> str | bytes``.
_RENDERERS: Final = {
    "terminal": "_terminal",
    "md": "_markdown",
    "html": "_html",
    "csv": "_csv",
    "xlsx": "_xlsx",
    "json": "_json",
}
FORMATS: Final = tuple(_RENDERERS)
BINARY_FORMATS: Final = frozenset({"xlsx"})

_EXTRA_HINT = "install the report extra: pip install 'kinerja[report]'"


def render(report: Report, fmt: str, **options: Any) -> str | bytes:
    """``report`` in the format ``fmt`` (one of :data:`FORMATS`): text, or bytes for xlsx.

    Raises:
        ValueError: an unknown format.
        KinerjaError: the format needs an optional dependency that is not installed.
    """
    module_name = _RENDERERS.get(fmt)
    if module_name is None:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    try:
        module = importlib.import_module(f"{__package__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in {"rich", "babel", "openpyxl"}:
            raise KinerjaError(
                f"the {fmt} report needs the package {exc.name.split('.')[0]!r}: {_EXTRA_HINT}"
            ) from None
        raise
    output: str | bytes = module.render(report, **options)
    return output
