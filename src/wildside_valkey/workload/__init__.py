"""The workload side: connect to the cluster a contract describes, and check it works.

``connect(contract, ...)`` returns a ready valkey client; ``run_check`` and
``format_check`` back the ``check`` command. The contract's ``VALKEY_*``
variables (``contract_env``, ``contract_configmap``, ``contract_from_env``) live
with the contract, in :mod:`wildside_valkey.contract`.

Names load on first use: the CLI's fast paths import this package without
paying for the valkey client library.

The top-level package exports ``connect`` itself: ``wildside_valkey.connect(contract)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .check import CheckResult, format_check, run_check
    from .client import Connected, ConnectOptions, ValkeyClient, connect, open_client
    from .contract_view import ContractSource, load_contract

_EXPORTS = {
    "CheckResult": ".check",
    "format_check": ".check",
    "run_check": ".check",
    "ConnectOptions": ".client",
    "Connected": ".client",
    "ValkeyClient": ".client",
    "connect": ".client",
    "open_client": ".client",
    "ContractSource": ".contract_view",
    "load_contract": ".contract_view",
}

__all__ = [
    "CheckResult",
    "ConnectOptions",
    "Connected",
    "ContractSource",
    "ValkeyClient",
    "connect",
    "format_check",
    "load_contract",
    "open_client",
    "run_check",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
