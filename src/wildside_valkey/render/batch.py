"""Many environments at once (``render --each``): one preview environment per entry.

Every entry is validated before anything is rendered, and the whole batch is
one tree written atomically, so one bad entry means nothing is written.
Each environment lands in ``<namespace>/<cluster_name>/`` (both DNS labels, so
the path is unambiguous), and its Flux paths follow it unless the entry sets
``flux_path_prefix`` itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import yaml

from ..contract.formats import to_json
from ..errors import Problem, VarFileError, VariablesError
from ..plan import build_plan
from ..variables import Variables, check_mode, variables_from_mapping
from ..variables.schema import SPECS
from .tree import RenderedTree, render_tree

CONTRACTS_FILE = "contracts.json"


def read_each_file(path: Path) -> list[Mapping[str, Any]]:
    """The list of per-environment overrides in a YAML or JSON file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise VarFileError(f"cannot read --each file {str(path)!r}: {error.strerror}") from error
    try:
        loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise VarFileError(f"--each file {str(path)!r} is not valid YAML or JSON") from error
    if not isinstance(loaded, list) or not loaded:
        raise VarFileError(
            f"--each file {str(path)!r} must hold a non-empty list of variable mappings"
        )
    return loaded


def environment_variables(base: Mapping[str, Any], entries: Sequence[Any]) -> list[Variables]:
    """Validate every entry on top of ``base``; report all bad entries by index at once."""
    problems: list[Problem] = []
    environments: list[Variables] = []
    seen: dict[str, int] = {}
    base_prefix = str(base.get("flux_path_prefix", SPECS["flux_path_prefix"].default))
    for index, entry in enumerate(entries):
        where = f"each[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, "must be a mapping of variable names to values"))
            continue
        try:
            variables = variables_from_mapping({**base, **entry})
            check_mode(variables, "render")
        except VariablesError as error:
            problems.extend(Problem(f"{where}.{p.variable}", p.message) for p in error.problems)
            continue
        folder = environment_folder(variables)
        if folder in seen:
            problems.append(
                Problem(
                    f"{where}.cluster_name",
                    f"environment {folder!r} is already entry {seen[folder]}: "
                    "cluster_name and namespace together must be unique",
                )
            )
            continue
        seen[folder] = index
        if "flux_path_prefix" not in entry:
            prefix = f"{base_prefix.rstrip('/')}/{folder}"
            variables = variables.replace(flux_path_prefix=prefix)
        environments.append(variables)
    if problems:
        raise VariablesError(problems)
    return environments


def environment_folder(variables: Variables) -> str:
    return f"{variables.namespace}/{variables.cluster_name}"


class Batch(NamedTuple):
    tree: RenderedTree
    contracts: dict[str, Any]  # folder -> contract
    warnings: Counter[str]  # each plan warning -> how many environments have it


def render_batch(environments: Sequence[Variables]) -> Batch:
    """One tree holding every environment's, the contracts keyed by folder, the warnings."""
    files: dict[str, str] = {}
    contracts: dict[str, Any] = {}
    warnings: Counter[str] = Counter()
    for variables in environments:
        folder = environment_folder(variables)
        plan = build_plan(variables)
        for path, text in render_tree(plan).items():
            files[f"{folder}/{path}"] = text
        contracts[folder] = plan.contract.to_dict()
        warnings.update(plan.warnings)
    files[CONTRACTS_FILE] = to_json(contracts)
    return Batch(MappingProxyType(files), contracts, warnings)
