"""Variables: the module's typed inputs and their rules (pure: reading files is ``inputs``)."""

from .loading import (
    check_mode,
    did_you_mean,
    tofu_types,
    variables_from_mapping,
)
from .schema import SENSITIVE_VARIABLES, VARIABLE_NAMES, Variables

__all__ = [
    "SENSITIVE_VARIABLES",
    "VARIABLE_NAMES",
    "Variables",
    "check_mode",
    "did_you_mean",
    "tofu_types",
    "variables_from_mapping",
]
