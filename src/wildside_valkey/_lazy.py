"""Names a package exports but loads on first use, so importing it stays cheap.

A package lists ``{name: module}`` and takes ``__getattr__``/``__dir__`` from
:func:`lazy_exports`; the first access imports the module and caches the value
in the package, so later lookups are plain attribute reads.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``; modules are absolute or ``.relative``."""

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted([*vars(sys.modules[package]), *exports])

    return __getattr__, __dir__
