"""The contract's output formats: JSON, YAML and ``VALKEY_*`` environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from ..variables.yaml_writer import dump_document
from .env import contract_configmap, contract_env

ContractFormat = Literal["json", "yaml", "env", "configmap"]


def to_json(data: Mapping[str, Any]) -> str:
    """Indented JSON, the same bytes as ``json.dumps(indent=2)``, from msgspec's C encoder."""
    return msgspec.json.format(msgspec.json.encode(data), indent=2).decode("utf-8") + "\n"


def to_yaml(data: Mapping[str, Any]) -> str:
    return dump_document(data)


def to_env(data: Mapping[str, Any]) -> str:
    import shlex  # noqa: PLC0415 - only this format quotes for a shell

    return "".join(f"{name}={shlex.quote(value)}\n" for name, value in contract_env(data).items())


def to_configmap(data: Mapping[str, Any]) -> str:
    return dump_document(contract_configmap(data))


def format_contract(data: Mapping[str, Any], output: ContractFormat) -> str:
    if output == "yaml":
        return to_yaml(data)
    if output == "env":
        return to_env(data)
    if output == "configmap":
        return to_configmap(data)
    return to_json(data)
