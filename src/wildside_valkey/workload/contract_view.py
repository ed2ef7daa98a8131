"""Read the fields a client needs out of a sync policy contract.

The contract reaches a workload in many shapes (the dict the CLI prints, that
JSON as text or in a file, the core's ``Contract`` object), so everything is
first turned into a plain dict, then into a small typed view. Only the fields
a client uses are checked here; the contract's own model validates the rest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias, runtime_checkable

import yaml

from wildside_valkey.workload.errors import ContractError

MODE_CLUSTER = "cluster"
MODE_STANDALONE = "standalone"
_MODES = (MODE_CLUSTER, MODE_STANDALONE)


@runtime_checkable
class SupportsToDict(Protocol):
    """Anything that can hand over the contract as a plain mapping (the core's ``Contract``)."""

    def to_dict(self) -> Mapping[str, Any]: ...


ContractSource: TypeAlias = Mapping[str, Any] | SupportsToDict | str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class SecretRef:
    """One key of one Kubernetes Secret."""

    namespace: str
    name: str
    key: str

    def __str__(self) -> str:
        return f"Secret {self.namespace}/{self.name} key {self.key!r}"


@dataclass(frozen=True, slots=True)
class ContractView:
    """What a client needs to know from the contract."""

    cluster_name: str
    namespace: str
    cluster_mode: bool
    primary_host: str
    primary_port: int
    credentials: SecretRef | None
    tls_enabled: bool
    ca_secret: SecretRef | None


def load_contract(source: ContractSource) -> dict[str, Any]:
    """Turn any accepted contract shape into a plain dict.

    A string that starts with ``{`` is JSON text; any other string or path is a
    file holding JSON (or YAML for ``.yaml``/``.yml``), as written by ``render``.
    """
    if isinstance(source, SupportsToDict):
        return dict(source.to_dict())
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return _parse_text(source, "the contract text", yaml_text=False)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractError(f"cannot read the contract file {path}: {exc.strerror}") from exc
    return _parse_text(
        text, f"the contract file {path}", yaml_text=path.suffix in {".yaml", ".yml"}
    )


def _parse_text(text: str, where: str, *, yaml_text: bool) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) if yaml_text else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ContractError(
            f"{where} is not valid {'YAML' if yaml_text else 'JSON'}: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise ContractError(f"{where} is not a JSON object")
    return data


def read_view(contract: Mapping[str, Any]) -> ContractView:
    """Extract and check the client-side fields; a ContractError names the first bad one."""
    namespace = _string(contract, "cluster_namespace")
    endpoints = _mapping(contract, "endpoints")
    tls = _mapping(contract, "tls")
    mode = contract.get(
        "mode", MODE_CLUSTER
    )  # older contracts lack it; the operator is cluster-only
    if mode not in _MODES:
        raise ContractError(
            f'contract field "mode" must be one of {", ".join(_MODES)}, not {mode!r}'
        )
    credentials = contract.get("credentials")
    ca_secret = tls.get("ca_secret")
    return ContractView(
        cluster_name=_string(contract, "cluster_name"),
        namespace=namespace,
        cluster_mode=mode == MODE_CLUSTER,
        primary_host=_string(endpoints, "primary_host", "endpoints."),
        primary_port=_port(endpoints, "primary_port"),
        credentials=None if credentials is None else _credentials(credentials, namespace),
        tls_enabled=_bool(tls, "enabled", "tls."),
        ca_secret=None if ca_secret is None else _ca_secret(ca_secret, namespace),
    )


def _credentials(value: object, default_namespace: str) -> SecretRef:
    if not isinstance(value, Mapping):
        raise ContractError('contract field "credentials" must be an object or null')
    namespace = value.get("namespace") or default_namespace
    if not isinstance(namespace, str):
        raise ContractError('contract field "credentials.namespace" must be a string')
    return SecretRef(
        namespace=namespace,
        name=_string(value, "secret_name", "credentials."),
        key=_string(value, "secret_key", "credentials."),
    )


def _ca_secret(value: object, namespace: str) -> SecretRef:
    # The operator's certificate Secret lives next to the cluster, so the
    # contract carries only its name and key.
    if not isinstance(value, Mapping):
        raise ContractError('contract field "tls.ca_secret" must be an object or null')
    return SecretRef(
        namespace=namespace,
        name=_string(value, "name", "tls.ca_secret."),
        key=_string(value, "key", "tls.ca_secret."),
    )


def _mapping(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, Mapping):
        raise ContractError(f'contract field "{key}" must be an object')
    return value


def _string(parent: Mapping[str, Any], key: str, prefix: str = "") -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContractError(f'contract field "{prefix}{key}" must be a non-empty string')
    return value.strip()


def _bool(parent: Mapping[str, Any], key: str, prefix: str = "") -> bool:
    value = parent.get(key)
    if not isinstance(value, bool):
        raise ContractError(f'contract field "{prefix}{key}" must be true or false')
    return value


def _port(parent: Mapping[str, Any], key: str) -> int:
    value = parent.get(key)
    # bool is an int subclass: reject it explicitly so `true` is not port 1.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ContractError(f'contract field "endpoints.{key}" must be a port number (1-65535)')
    return value
