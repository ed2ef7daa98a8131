"""wildside-valkey: a Valkey cluster on Kubernetes through the Hyperspike valkey-operator.

The library API, without the CLI::

    import wildside_valkey as wv

    variables = wv.load_variables(var_files=["dev.tfvars"], var_options=["nodes=3"])
    plan = wv.build_plan(variables)          # pure: no network, no files
    files = wv.render_tree(plan)             # {"cluster/valkey.yaml": "...", ...}
    contract = plan.contract.to_dict()       # the sync policy contract
    client = wv.connect(contract)            # in a workload: a ready, cluster-aware client

Names are loaded on first use, so importing the package stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .contract import Contract, build_contract, contract_from_env
    from .errors import VariablesError, WildsideError
    from .inputs import load_variables
    from .plan import Plan, build_plan
    from .render import render_to, render_tree
    from .variables import Variables, variables_from_mapping
    from .workload import connect

_EXPORTS = {
    "Contract": "wildside_valkey.contract",
    "build_contract": "wildside_valkey.contract",
    "contract_from_env": "wildside_valkey.contract",
    "Plan": "wildside_valkey.plan",
    "build_plan": "wildside_valkey.plan",
    "render_to": "wildside_valkey.render",
    "render_tree": "wildside_valkey.render",
    "Variables": "wildside_valkey.variables",
    "load_variables": "wildside_valkey.inputs",
    "variables_from_mapping": "wildside_valkey.variables",
    "VariablesError": "wildside_valkey.errors",
    "WildsideError": "wildside_valkey.errors",
    "connect": "wildside_valkey.workload",
}

__all__ = [
    "Contract",
    "Plan",
    "Variables",
    "VariablesError",
    "WildsideError",
    "build_contract",
    "build_plan",
    "connect",
    "contract_from_env",
    "load_variables",
    "render_to",
    "render_tree",
    "variables_from_mapping",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wildside_valkey' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
