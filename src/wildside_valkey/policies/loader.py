"""Read YAML files and folders into manifest files for the policy engine.

Folders are walked recursively for ``*.yaml`` and ``*.yml`` files (hidden files and folders,
such as ``.git`` or ``.github``, are skipped); a file named explicitly is read whatever its
suffix, since YAML also reads JSON. Every document of a multi-document file is kept, empty
documents are dropped. ``kustomization.yaml`` files are read like any other: the rules select
objects by apiVersion and kind, so they pass through unnoticed, exactly as under conftest.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from wildside_valkey.errors import BadInputError
from wildside_valkey.reading import read_text
from wildside_valkey.variables.yaml_text import load_yaml_documents

from .model import ManifestFile

YAML_SUFFIXES = (".yaml", ".yml")


_KINDS = {
    "list": "a list",
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
}

# All the files of one run together: each is bounded by the reader (4 MiB), and this
# keeps a folder of thousands of them within a few GB of memory at most.
MAX_TOTAL_BYTES = 256 * 1024 * 1024


def load_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[ManifestFile, ...]:
    """Load every YAML file named by ``paths`` (files or folders), each file once."""
    seen: set[Path] = set()
    files: list[ManifestFile] = []
    arguments = [Path(p) for p in paths]
    total = 0
    for argument in arguments:
        for file in _yaml_files(argument):
            # realpath, not Path.resolve: a symbolic link loop is then read_text's to
            # report (exit 2, naming the loop) rather than a RuntimeError here.
            resolved = Path(os.path.realpath(file))
            if resolved in seen:
                continue
            seen.add(resolved)
            text = read_text(file, what="policy input")
            total += len(text)
            if total > MAX_TOTAL_BYTES:
                raise BadInputError(
                    f"the policy inputs total more than {MAX_TOTAL_BYTES // (1024 * 1024)} MiB "
                    f"(reached at {file.as_posix()}); check fewer files or folders at a time"
                )
            files.append(parse_documents(file.as_posix(), text))
    if not files:
        shown = ", ".join(str(a) for a in arguments) or "(nothing)"
        raise BadInputError(f"no YAML files found in: {shown}")
    return tuple(files)


def parse_documents(shown: str, text: str) -> ManifestFile:
    """Parse the YAML text of one file into a manifest file named ``shown``."""
    try:
        # The project's one YAML reader: JSON data only (timestamps stay strings, as
        # Kubernetes reads them through JSON), alias bombs refused before they expand.
        documents = load_yaml_documents(text)
    except yaml.YAMLError as error:
        raise BadInputError(f"{shown}: not valid YAML: {_describe(error)}") from error
    kept: list[Mapping[str, Any]] = []
    for index, document in enumerate(documents, start=1):
        if document is None:
            continue
        if not isinstance(document, dict):
            kind = _KINDS.get(type(document).__name__, "a value")
            raise BadInputError(
                f"{shown}: document {index} is {kind}, not a mapping (a Kubernetes object)"
            )
        kept.append(document)
    return ManifestFile(path=shown, documents=tuple(kept))


def _yaml_files(argument: Path) -> list[Path]:
    if not argument.is_dir():
        if os.path.lexists(argument):
            return [argument]  # read_text says what is wrong with it, if anything
        raise BadInputError(f"{argument.as_posix()}: no such file or folder")
    found: list[Path] = []
    for root, folders, names in os.walk(argument):
        # Pruning in place stops os.walk from descending into hidden folders.
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        found.extend(
            Path(root, name)
            for name in sorted(names)
            if name.endswith(YAML_SUFFIXES) and not name.startswith(".")
        )
    return found


def _describe(error: yaml.YAMLError) -> str:
    """A one-line description with the 1-based line and column where PyYAML knows them."""
    if isinstance(error, yaml.MarkedYAMLError):
        problem = error.problem or error.context or "syntax error"
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
        return problem
    return str(error)
