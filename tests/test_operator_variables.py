"""The operator variables a batch must agree on are exactly the ones that shape the operator.

The environments of ``render --each``/``apply --each`` share one operator, so
their entries must agree on every variable that reaches it (its namespace, the
Flux source, the HelmRelease and the operator Kustomization; the Helm chart in
apply mode). Those variables are marked where they are declared
(``_var(..., operator=True)``); this test varies each variable on its own and
looks at the plan's operator part, so a new variable that reaches the operator
without the mark (or a mark on one that does not) fails here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal, get_args, get_origin

import pytest

from wildside_valkey.errors import VariablesError
from wildside_valkey.plan import build_plan
from wildside_valkey.render.batch import environment_variables
from wildside_valkey.render.tree import render_manifests
from wildside_valkey.variables import VARIABLE_NAMES, variables_from_mapping
from wildside_valkey.variables.schema import OPERATOR_VARIABLES, SPECS

# Batches give each environment its own Flux path under this prefix and the shared
# operator the batch's own (render.batch), so the entries need not agree on it.
PER_BATCH = {"flux_path_prefix"}

# Settings some variables only take together with others (each alone would be refused).
CONTEXTS: tuple[Mapping[str, Any], ...] = (
    {},
    {"mode": "apply"},
    {"external_access_enabled": True, "external_access_type": "proxy"},
    {"tls_enabled": True, "cert_issuer_name": "issuer"},
    {"eso_enabled": True, "password_vault_path": "secret/valkey"},
    {"prometheus_enabled": True},
)


def _candidates(name: str) -> Iterator[Any]:
    """Values other than the default, of the variable's type, to try in turn."""
    spec = SPECS[name]
    default = spec.default
    if isinstance(default, bool):
        yield not default
    elif isinstance(default, int):
        yield from (default + 1, default + 2)
    elif get_origin(spec.type) is Literal:
        yield from (choice for choice in get_args(spec.type) if choice != default)
    elif isinstance(default, str):
        yield from (f"{default}x", "x", "2h", "3Gi", "v9.9.9", "https://charts.example.com")
    elif isinstance(default, tuple):
        yield from (["x"], ["a: 1"], [{"operator": "Exists"}])
    elif isinstance(default, Mapping):
        yield {"example.com/x": "y"}
    else:  # ResourceQuantities, the Sensitive password
        yield from ({"cpu": "200m", "memory": "256Mi"}, "s3cret-x")


def _operator_part(values: Mapping[str, Any]) -> tuple[Any, ...]:
    plan = build_plan(variables_from_mapping(values))
    return (render_manifests(plan, cluster=False), plan.operator)


def _variation(name: str) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """(base, varied): the same valid settings but for another valid value of ``name``."""
    for context in CONTEXTS:
        for value in _candidates(name):
            varied = {**context, name: value}
            try:
                variables_from_mapping(varied)
                variables_from_mapping(context)
            except VariablesError:
                continue
            return context, varied
    return None


@pytest.mark.parametrize("name", VARIABLE_NAMES)
def test_each_variable_reaches_the_operator_only_if_marked(name: str) -> None:
    variation = _variation(name)
    assert variation is not None, (
        f"no valid value other than the default found for {name}: add one to _candidates"
    )
    base, varied = variation
    reaches_operator = _operator_part(base) != _operator_part(varied)
    if name in PER_BATCH:
        return
    if reaches_operator:
        assert name in OPERATOR_VARIABLES, (
            f"{name} changes the shared operator: mark it operator=True in variables/schema.py"
        )
    else:
        assert name not in OPERATOR_VARIABLES, f"{name} is marked but never reaches the operator"


def test_a_batch_refuses_entries_that_disagree_on_a_marked_variable() -> None:
    name = "flux_service_account_name"
    assert name in OPERATOR_VARIABLES
    entries = [{"cluster_name": "a"}, {"cluster_name": "b", name: "flux-tenant"}]
    with pytest.raises(VariablesError) as raised:
        environment_variables({}, entries)
    [problem] = raised.value.problems
    assert problem.variable == f"each[1].{name}"
    assert "share one operator" in problem.message
