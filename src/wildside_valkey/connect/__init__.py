"""The workload side: connect to the cluster a contract describes, and check it works.

``connect(contract, ...)`` returns a ready valkey client; ``run_check`` and
``format_check`` back the ``check`` command; ``contract_configmap`` and
``contract_from_env`` carry the contract into a workload as ``VALKEY_*``
variables and back.
"""

from wildside_valkey.connect.client import (
    Connected,
    ConnectOptions,
    ValkeyClient,
    connect,
    open_client,
)
from wildside_valkey.connect.contract_view import ContractSource, load_contract

__all__ = [
    "ConnectOptions",
    "Connected",
    "ContractSource",
    "ValkeyClient",
    "connect",
    "load_contract",
    "open_client",
]
