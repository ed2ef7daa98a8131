"""The sync policy contract: built from the variables, beside the plan."""

from .credentials import CredentialStrategy, credential_strategy, password_secret_ref
from .formats import ContractFormat, env_items, format_contract
from .model import Contract, build_contract

__all__ = [
    "Contract",
    "ContractFormat",
    "CredentialStrategy",
    "build_contract",
    "credential_strategy",
    "env_items",
    "format_contract",
    "password_secret_ref",
]
