"""The var files OpenTofu loads by itself from the working folder, in its order.

OpenTofu reads, lowest precedence first: ``terraform.tfvars``, then
``terraform.tfvars.json``, then every ``*.auto.tfvars`` and ``*.auto.tfvars.json``
in lexical order of their file names (OpenTofu docs, "Input Variables" >
"Variable Definition Precedence"; opentofu/opentofu ``internal/command/
meta_vars.go``: ``DefaultVarsFilename``, ``DefaultVarsFilename + ".json"``, then
the ``.auto.tfvars``/``.auto.tfvars.json`` names of the folder, sorted). All of
these sit above ``TF_VAR_`` environment variables and below ``-var``/``-var-file``.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_FILES = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")


def autoload_files(folder: Path) -> list[Path]:
    """The files tofu would load from ``folder``, in the order it loads them."""
    found = [folder / name for name in DEFAULT_FILES if (folder / name).is_file()]
    try:
        names = sorted(
            entry.name
            for entry in folder.iterdir()
            if entry.name.endswith(AUTO_SUFFIXES) and entry.is_file()
        )
    except OSError:
        return found
    found.extend(folder / name for name in names)
    return found
