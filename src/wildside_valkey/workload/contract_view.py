"""Read the fields a client needs out of a sync policy contract.

The contract reaches a workload in many shapes (the dict the CLI prints, that
JSON as text or in a file, the core's ``Contract`` object), so everything is
first turned into a plain dict, checked against the contract's one model
(:mod:`wildside_valkey.contract.model`), then kept as a small typed view.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias, runtime_checkable

import yaml

from wildside_valkey.contract.shape import parse_contract
from wildside_valkey.errors import ContractError


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
    """Check the contract against its model and keep what a client needs.

    A ContractError names the first field that breaks the model.
    """
    checked = parse_contract(contract)
    namespace = checked.cluster_namespace.strip()
    credentials = checked.credentials
    ca_secret = checked.tls.ca_secret
    return ContractView(
        cluster_name=checked.cluster_name.strip(),
        namespace=namespace,
        cluster_mode=checked.mode == "cluster",
        primary_host=checked.endpoints.primary_host.strip(),
        primary_port=checked.endpoints.primary_port,
        credentials=None
        if credentials is None
        else SecretRef(credentials.namespace, credentials.secret_name, credentials.secret_key),
        tls_enabled=checked.tls.enabled,
        # The operator's certificate Secret lives next to the cluster, so the
        # contract carries only its name and key.
        ca_secret=None
        if ca_secret is None
        else SecretRef(namespace, ca_secret.name, ca_secret.key),
    )
