"""The workload side: connect to the cluster a contract describes, and check it works.

``connect(contract, ...)`` returns a ready valkey client; ``run_check`` and
``format_check`` back the ``check`` command; ``contract_configmap`` and
``contract_from_env`` carry the contract into a workload as ``VALKEY_*``
variables and back.

Names load on first use: ``wildside_valkey.workload.exports`` must stay usable
by fast CLI paths without importing the valkey client library.

The top-level package exports ``connect`` itself: ``wildside_valkey.connect(contract)``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .check import CheckResult, Step, format_check, run_check
    from .client import Connected, ConnectOptions, ValkeyClient, connect, open_client
    from .contract_view import ContractSource, load_contract
    from .exports import contract_configmap, contract_env, contract_from_env

_EXPORTS = {
    "CheckResult": "check",
    "Step": "check",
    "format_check": "check",
    "run_check": "check",
    "ConnectOptions": "client",
    "Connected": "client",
    "ValkeyClient": "client",
    "connect": "client",
    "open_client": "client",
    "ContractSource": "contract_view",
    "load_contract": "contract_view",
    "contract_configmap": "exports",
    "contract_env": "exports",
    "contract_from_env": "exports",
}

__all__ = [
    "CheckResult",
    "ConnectOptions",
    "Connected",
    "ContractSource",
    "Step",
    "ValkeyClient",
    "connect",
    "contract_configmap",
    "contract_env",
    "contract_from_env",
    "format_check",
    "load_contract",
    "open_client",
    "run_check",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
