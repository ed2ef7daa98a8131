"""The sync policy contract: built from the variables, beside the plan."""

from .credentials import CredentialStrategy, credential_strategy, password_secret_ref
from .env import contract_configmap, contract_env, contract_from_env
from .formats import ContractFormat, format_contract
from .model import Contract, build_contract

__all__ = [
    "Contract",
    "ContractFormat",
    "CredentialStrategy",
    "build_contract",
    "contract_configmap",
    "contract_env",
    "contract_from_env",
    "credential_strategy",
    "format_contract",
    "password_secret_ref",
]
