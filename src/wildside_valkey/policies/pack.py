"""The Rego files shipped inside the package, and the stable names of their packages.

Users reference the package names from conftest (``--namespace wildside_valkey.flux``), so
:data:`PACKAGES` is a promise: renaming one is a breaking change.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

# Packages holding deny/warn rules, in the order findings are reported.
PACKAGES: tuple[str, ...] = (
    "wildside_valkey.flux",
    "wildside_valkey.valkey",
    "wildside_valkey.safety",
    "wildside_valkey.ordering",
)

# Helper functions shared by the rule packages; it holds no rules.
LIBRARY_PACKAGE = "wildside_valkey.lib"

# The common prefix of every package, which is what `data.<prefix>` names in a query.
PACKAGE_ROOT = "wildside_valkey"

_PACKAGE_LINE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_.]*)\s*$", re.MULTILINE)


def rego_sources() -> dict[str, str]:
    """The pack's Rego files by file name (``flux.rego`` ...), sorted by name."""
    folder = resources.files(__package__).joinpath("rego")
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".rego")),
        key=lambda entry: entry.name,
    )
    return {entry.name: entry.read_text(encoding="utf-8") for entry in files}


def package_of(source: str) -> str:
    """The package a Rego module declares (its ``package`` line)."""
    match = _PACKAGE_LINE.search(source)
    if match is None:
        raise ValueError("the Rego module declares no package")
    return match.group(1)


def write_pack(directory: Path) -> list[Path]:
    """Copy the Rego files into ``directory`` (created if needed), for conftest or opa ``-p``.

    Copying works whatever way the package is installed (even zipped), which a path into the
    installed package would not guarantee.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in rego_sources().items():
        target = directory / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
