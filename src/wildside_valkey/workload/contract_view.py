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

from wildside_valkey.contract.model import Contract
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
    """What a client needs from a contract that passed the model's check."""

    contract: Contract

    @property
    def cluster_name(self) -> str:
        return self.contract.cluster_name.strip()

    @property
    def namespace(self) -> str:
        return self.contract.cluster_namespace.strip()

    @property
    def cluster_mode(self) -> bool:
        return self.contract.mode == "cluster"

    @property
    def primary_host(self) -> str:
        return self.contract.endpoints.primary_host.strip()

    @property
    def primary_port(self) -> int:
        return self.contract.endpoints.primary_port

    @property
    def tls_enabled(self) -> bool:
        return self.contract.tls.enabled

    @property
    def credentials(self) -> SecretRef | None:
        found = self.contract.credentials
        if found is None:
            return None
        return SecretRef(found.namespace, found.secret_name, found.secret_key)

    @property
    def ca_secret(self) -> SecretRef | None:
        # The operator's certificate Secret lives next to the cluster, so the
        # contract carries only its name and key.
        found = self.contract.tls.ca_secret
        if found is None:
            return None
        return SecretRef(self.namespace, found.name, found.key)


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
    """Check the contract against its model; a ContractError names the first bad field."""
    return ContractView(parse_contract(contract))
