"""``TF_VAR_<name>`` environment variables, read as OpenTofu reads them.

OpenTofu takes a variable's value from ``TF_VAR_<name>`` (the name is case
sensitive) and parses it like ``-var``: as a string for string variables, as an
HCL literal for the others (opentofu/opentofu ``internal/command/meta_vars.go``,
``collectVariableValues``: ``os.Environ`` entries with the ``TF_VAR_`` prefix,
``ValueSourceEnvironment``). Names that are not variables of this module are
ignored, as tofu ignores undeclared ``TF_VAR_`` names
(``internal/backend/unparsed_value.go``, ``ParseUndeclaredVariableValues``, case
``ValueFromEnvVar``: "users will often set these globally"), because pipelines
export them for several modules at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import Problem, VariablesError
from .sources import parse_var_option

PREFIX = "TF_VAR_"


def environment_values(
    environ: Mapping[str, str], tofu_types: Mapping[str, str]
) -> dict[str, tuple[str, Any]]:
    """``{name: (source, raw value)}`` for each ``TF_VAR_<name>`` naming a variable."""
    found: dict[str, tuple[str, Any]] = {}
    problems: list[Problem] = []
    for key in sorted(environ):
        name = key[len(PREFIX) :]
        if not key.startswith(PREFIX) or name not in tofu_types:
            continue
        try:
            _, value = parse_var_option(f"{name}={environ[key]}", tofu_types)
        except VariablesError as error:
            # The message names the option form; here the value came from the environment.
            problems.extend(
                Problem(p.variable, p.message.replace("--var value", key)) for p in error.problems
            )
            continue
        found[name] = (key, value)
    if problems:
        raise VariablesError(problems)
    return found
