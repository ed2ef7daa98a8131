"""The contract's output formats: JSON, YAML and ``VALKEY_*`` environment variables."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import yaml

ContractFormat = Literal["json", "yaml", "env"]
ENV_PREFIX = "VALKEY"
# Objects that may be null still give their variables (empty), so a workload's
# environment has the same names whatever the strategy.
_NULLABLE_OBJECTS: dict[str, tuple[str, ...]] = {
    "credentials": ("secret_name", "secret_key", "namespace"),
    "ca_secret": ("name", "key"),
}


def to_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_yaml(data: Mapping[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(dict(data), Dumper=dumper, sort_keys=False, default_flow_style=False)


def env_items(data: Mapping[str, Any], prefix: str = ENV_PREFIX) -> Iterator[tuple[str, str]]:
    """Flatten nested keys into ``VALKEY_A_B`` names; null is empty, booleans lower-case."""
    for key, value in data.items():
        name = f"{prefix}_{key.upper()}"
        if value is None and key in _NULLABLE_OBJECTS:
            yield from env_items(dict.fromkeys(_NULLABLE_OBJECTS[key]), name)
        elif isinstance(value, Mapping):
            yield from env_items(value, name)
        elif value is None:
            yield name, ""
        elif isinstance(value, bool):
            yield name, "true" if value else "false"
        else:
            yield name, str(value)


def to_env(data: Mapping[str, Any]) -> str:
    return "".join(f"{name}={shlex.quote(value)}\n" for name, value in env_items(data))


def format_contract(data: Mapping[str, Any], output: ContractFormat) -> str:
    if output == "yaml":
        return to_yaml(data)
    if output == "env":
        return to_env(data)
    return to_json(data)
