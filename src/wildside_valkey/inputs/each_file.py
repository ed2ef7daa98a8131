"""The ``--each`` file of ``render --each``/``apply --each``: one override mapping per environment.

Read here, at the I/O edge; the batch itself (``render.batch``) gets plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import VarFileError
from ..reading import read_text
from ..variables.plain_data import plain_data_problem
from ..variables.redaction import scrub
from ..variables.yaml_text import error_position, error_problem, load_yaml


def read_each_file(path: Path) -> list[Mapping[str, Any]]:
    """The list of per-environment overrides in a YAML or JSON file."""
    text = read_text(path, what="--each file")
    try:
        loaded = load_yaml(text)
    except yaml.YAMLError as error:
        problem = scrub(error_problem(error), text)
        raise VarFileError(
            f"--each file {str(path)!r} is not valid YAML or JSON: {problem}{error_position(error)}"
        ) from None
    if not isinstance(loaded, list) or not loaded:
        raise VarFileError(
            f"--each file {str(path)!r} must hold a non-empty list of variable mappings"
        )
    shape = plain_data_problem(loaded)
    if shape:
        raise VarFileError(f"--each file {str(path)!r}: {shape}")
    return loaded
