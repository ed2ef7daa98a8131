"""The contract's output formats: JSON, YAML and ``VALKEY_*`` environment variables."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any, Literal

import yaml

from .env import contract_configmap, contract_env

ContractFormat = Literal["json", "yaml", "env", "configmap"]


def to_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_yaml(data: Mapping[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(dict(data), Dumper=dumper, sort_keys=False, default_flow_style=False)


def to_env(data: Mapping[str, Any]) -> str:
    return "".join(f"{name}={shlex.quote(value)}\n" for name, value in contract_env(data).items())


def to_configmap(data: Mapping[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(contract_configmap(data), Dumper=dumper, sort_keys=False)


def format_contract(data: Mapping[str, Any], output: ContractFormat) -> str:
    if output == "yaml":
        return to_yaml(data)
    if output == "env":
        return to_env(data)
    if output == "configmap":
        return to_configmap(data)
    return to_json(data)
