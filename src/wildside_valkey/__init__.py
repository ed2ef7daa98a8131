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

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from .contract import Contract, build_contract, contract_from_env
    from .errors import ConnectError, ContractError, VariablesError, WildsideError
    from .inputs import load_variables
    from .plan import Plan, build_plan
    from .render import render_to, render_tree
    from .variables import Variables, variables_from_mapping
    from .workload import connect

# The deliberate public API: what a pipeline (variables -> plan -> files, contract)
# and a workload (contract -> client) need, and the errors they catch.
# tests/test_exported_members.py lists it exactly: a change here is a choice.
_EXPORTS = {
    "Variables": ".variables",
    "variables_from_mapping": ".variables",
    "load_variables": ".inputs",
    "Plan": ".plan",
    "build_plan": ".plan",
    "render_tree": ".render",
    "render_to": ".render",
    "Contract": ".contract",
    "build_contract": ".contract",
    "contract_from_env": ".contract",
    "connect": ".workload",
    "WildsideError": ".errors",
    "VariablesError": ".errors",
    "ContractError": ".errors",
    "ConnectError": ".errors",
}

__all__ = [
    "ConnectError",
    "Contract",
    "ContractError",
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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
