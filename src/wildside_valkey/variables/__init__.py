"""Variables: the module's typed inputs, loaded from files and options and validated."""

from .loading import (
    check_mode,
    load_raw_values,
    load_variables,
    tofu_types,
    variables_from_mapping,
)
from .schema import (
    SENSITIVE_VARIABLES,
    VARIABLE_NAMES,
    ResourceQuantities,
    Sensitive,
    Toleration,
    Variables,
)

__all__ = [
    "SENSITIVE_VARIABLES",
    "VARIABLE_NAMES",
    "ResourceQuantities",
    "Sensitive",
    "Toleration",
    "Variables",
    "check_mode",
    "load_raw_values",
    "load_variables",
    "tofu_types",
    "variables_from_mapping",
]
