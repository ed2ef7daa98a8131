"""Many environments at once (``render --each``): one preview environment per entry.

Every entry is validated before anything is rendered, and the whole batch is
one tree written atomically, so one bad entry means nothing is written.
Each environment lands in ``<namespace>/<cluster_name>/`` (both DNS labels, so
the path is unambiguous), and its Flux paths follow it unless the entry sets
``flux_path_prefix`` itself.

The environments of a batch run on one cluster and share one operator: it is
rendered once, in ``operator/`` at the top, and every environment's cluster
Kustomization depends on it. Were it rendered per environment, every
environment's Flux Kustomization would own the same HelmRelease, and pruning
one environment would uninstall the operator under all the others. So the
entries must agree on the operator's variables.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from ..contract.formats import to_json
from ..errors import Problem, VariablesError
from ..plan import Component, Plan, build_plan
from ..variables import Variables, check_mode, variables_from_mapping
from ..variables.derived_names import cluster_kustomization_name
from ..variables.loading import Mode
from ..variables.schema import OPERATOR_VARIABLES, SPECS
from .tree import RenderedTree, render_tree

CONTRACTS_FILE = "contracts.json"


class Environments(NamedTuple):
    operator: Variables  # the shared operator's, with the batch's own flux_path_prefix
    each: list[Variables]


def environment_variables(
    base: Mapping[str, Any],
    entries: Sequence[Any],
    *,
    mode: Mode = "render",
    command: str | None = None,
) -> Environments:
    """Validate every entry on top of ``base``; report all bad entries by index at once.

    ``mode`` is the command's (``apply --each`` shares the rules of ``render --each``);
    ``command`` words a mode mismatch (see ``check_mode``).
    """
    problems = _Problems(_problems_of(base))
    environments: list[Variables] = []
    seen: dict[str, int] = {}
    # Trimmed like every string variable (the loader's rule); validated with each entry.
    base_prefix = str(base.get("flux_path_prefix", SPECS["flux_path_prefix"].default)).strip()
    valid: list[_Entry] = []
    for index, entry in enumerate(entries):
        where = f"each[{index}]"
        variables = _entry_variables(base, entry, where, (mode, command), problems)
        if variables is None:
            continue
        folder = environment_folder(variables)
        if folder in seen:
            problems.each.append(_duplicate(where, folder, seen[folder]))
            continue
        seen[folder] = index
        valid.append(_Entry(index, entry, variables))
        if "flux_path_prefix" not in entry:
            prefix = f"{base_prefix.rstrip('/')}/{folder}"
            variables = variables.replace(flux_path_prefix=prefix)
        environments.append(variables)
    problems.each.extend(_operator_disagreements(valid))
    if problems.found() or not valid:
        raise VariablesError(problems.found() or [Problem("each", "holds no environment")])
    return Environments(valid[0].variables.replace(flux_path_prefix=base_prefix), environments)


class _Entry(NamedTuple):
    number: int  # its place in the --each file
    given: Mapping[str, Any]  # what the entry itself sets
    variables: Variables  # with the shared values beneath it


@dataclass
class _Problems:
    """A batch's problems: those of the shared values said once, unprefixed; then each entry's."""

    of_base: list[Problem]  # what the shared --var/--var-file values alone break
    shared: list[Problem] = field(default_factory=list)
    each: list[Problem] = field(default_factory=list)

    def add(self, where: str, entry: Mapping[str, Any], error: VariablesError) -> None:
        for problem in error.problems:
            if problem in self.of_base and _root(problem.variable) not in entry:
                if problem not in self.shared:
                    self.shared.append(problem)
            else:
                self.each.append(Problem(f"{where}.{problem.variable}", problem.message))

    def found(self) -> list[Problem]:
        return self.shared + self.each


def _entry_variables(
    base: Mapping[str, Any],
    entry: object,
    where: str,
    mode: tuple[Mode, str | None],
    problems: _Problems,
) -> Variables | None:
    """One entry on top of ``base``, validated; None (its problems added) when it is bad."""
    if not isinstance(entry, Mapping):
        problems.each.append(Problem(where, "must be a mapping of variable names to values"))
        return None
    try:
        variables = variables_from_mapping({**base, **entry})
        check_mode(variables, mode[0], command=mode[1])
    except VariablesError as error:
        problems.add(where, entry, error)
        return None
    return variables


def _duplicate(where: str, folder: str, first_index: int) -> Problem:
    return Problem(
        f"{where}.cluster_name",
        f"environment {folder!r} is already entry {first_index}: "
        "cluster_name and namespace together must be unique",
    )


def _problems_of(values: Mapping[str, Any]) -> list[Problem]:
    try:
        variables_from_mapping(values)
    except VariablesError as error:
        return list(error.problems)
    return []


def _root(variable: str) -> str:
    """The variable a problem is about: ``tolerations`` for ``tolerations[0].key``."""
    return variable.split(".", 1)[0].split("[", 1)[0]


def _operator_disagreements(entries: Sequence[_Entry]) -> list[Problem]:
    """Each entry whose operator variable differs from the rest's, with both values.

    "The rest" is the value of the entries that leave the variable to the shared
    values (--var, --var-file, the default); when every entry sets it, the most common
    value. So an entry that alone sets chart_version is the one named, not its neighbour.
    """
    problems: list[Problem] = []
    if not entries:
        return problems
    for name in OPERATOR_VARIABLES:
        values = [getattr(e.variables, name) for e in entries]
        inherited = [v for e, v in zip(entries, values, strict=True) if name not in e.given]
        common = inherited[0] if inherited else _most_common(values)
        holders = [e.number for e, v in zip(entries, values, strict=True) if v == common]
        verb = "has" if len(holders) == 1 else "have"
        source = " (from the shared values)" if inherited else ""
        problems.extend(
            Problem(
                f"each[{e.number}].{name}",
                f"is {_shown(value)}, but {_entries(holders)} {verb} {_shown(common)}{source}: "
                "the environments of one batch share one operator, so set "
                f"{name} alike in every entry, or once for all with --var",
            )
            for e, value in zip(entries, values, strict=True)
            if value != common
        )
    return problems


def _most_common(values: Sequence[Any]) -> Any:
    """The value most entries have; on a tie, the earliest entry's."""
    counts = [sum(other == value for other in values) for value in values]
    return values[counts.index(max(counts))]


def _entries(indexes: Sequence[int], shown: int = 3) -> str:
    named = ", ".join(str(i) for i in indexes[:shown])
    more = len(indexes) - shown
    word = "entry" if len(indexes) == 1 else "entries"
    return f"{word} {named}" + (f" and {more} more" if more > 0 else "")


def _shown(value: Any) -> str:
    """A value as the user wrote it (JSON), whatever its Python form."""
    if isinstance(value, Mapping):
        value = dict(value)
    elif isinstance(value, tuple):
        value = list(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def environment_folder(variables: Variables) -> str:
    return f"{variables.namespace}/{variables.cluster_name}"


class Batch(NamedTuple):
    tree: RenderedTree
    contracts: dict[str, Any]  # folder -> contract
    warnings: Counter[str]  # each plan warning -> how many environments have it


def _collisions(plans: Sequence[Plan]) -> list[Problem]:
    """Objects that two environments would both create (and one would prune from the other)."""
    owners: dict[tuple[str, str, str], int] = {}
    problems: list[Problem] = []
    for index, plan in enumerate(plans):
        v = plan.variables
        keys = [
            (resource.kind, resource.namespace or "", resource.name)
            for resource in plan.in_component(Component.CLUSTER)
        ]
        keys.append(("Kustomization", v.flux_namespace, cluster_kustomization_name(v)))
        for kind, namespace, name in keys:
            first = owners.setdefault((kind, namespace, name), index)
            if first != index:
                where = f"{namespace}/{name}" if namespace else name
                problems.append(
                    Problem(
                        f"each[{index}]",
                        f"{kind} {where} is also created by entry {first}; each object may "
                        "belong to one environment (pruning one would delete the other's): "
                        "give the environments their own namespace, or distinct names",
                    )
                )
    return problems


def render_batch(environments: Environments) -> Batch:
    """The shared operator, every environment's cluster part, the contracts, the warnings."""
    plans = [build_plan(variables) for variables in environments.each]
    problems = _collisions(plans)
    if problems:
        raise VariablesError(problems)
    folders = [environment_folder(variables) for variables in environments.each]
    files = dict(render_tree(build_plan(environments.operator), cluster=False, include=folders))
    contracts: dict[str, Any] = {}
    warnings: Counter[str] = Counter()
    for folder, plan in zip(folders, plans, strict=True):
        for path, text in render_tree(plan, operator=False).items():
            files[f"{folder}/{path}"] = text
        contracts[folder] = plan.contract.to_dict()
        warnings.update(plan.warnings)
    files[CONTRACTS_FILE] = to_json(contracts)
    return Batch(MappingProxyType(files), contracts, warnings)
