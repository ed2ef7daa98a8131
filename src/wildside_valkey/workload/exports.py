"""The contract as ``VALKEY_*`` variables, for any contract source a workload holds.

The flattening itself lives with the contract (:mod:`wildside_valkey.contract.env`);
these accept whatever :func:`load_contract` accepts (a mapping, JSON or YAML text,
a path, a ``Contract``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..contract import env
from .contract_view import ContractSource, load_contract


def contract_env(contract: ContractSource) -> dict[str, str]:
    return env.contract_env(load_contract(contract))


def contract_configmap(contract: ContractSource) -> dict[str, Any]:
    return env.contract_configmap(load_contract(contract))


def contract_from_env(variables: Mapping[str, str]) -> dict[str, Any]:
    return env.contract_from_env(variables)
