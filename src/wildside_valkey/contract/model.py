"""The sync policy contract: what downstream workloads read to connect.

Its keys are a public promise (see the interface): keys may be added, none may
change shape. Hosts are the Services the operator really creates and that its
TLS certificate covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..variables import Variables
from .credentials import password_secret_ref

VALKEY_PORT = 6379
# Without storage settings the operator still claims a volume: 8Gi, default class.
OPERATOR_DEFAULT_STORAGE_SIZE = "8Gi"


@dataclass(frozen=True, slots=True)
class Endpoints:
    primary_host: str
    primary_port: int
    replica_host: str
    replica_port: int


@dataclass(frozen=True, slots=True)
class Credentials:
    secret_name: str
    secret_key: str
    namespace: str


@dataclass(frozen=True, slots=True)
class SecretKeyRef:
    name: str
    key: str


@dataclass(frozen=True, slots=True)
class TLS:
    enabled: bool
    cert_issuer: str | None
    ca_secret: SecretKeyRef | None


@dataclass(frozen=True, slots=True)
class Persistence:
    enabled: bool
    storage_class: str | None
    size: str


@dataclass(frozen=True, slots=True)
class Replication:
    nodes: int
    replicas: int


@dataclass(frozen=True, slots=True)
class Contract:
    cluster_name: str
    cluster_namespace: str
    endpoints: Endpoints
    credentials: Credentials | None
    tls: TLS
    persistence: Persistence
    replication: Replication
    mode: str = "cluster"

    def to_dict(self) -> dict[str, Any]:
        """The contract as plain JSON-ready data, keys in the documented order."""
        return {
            "cluster_name": self.cluster_name,
            "cluster_namespace": self.cluster_namespace,
            "endpoints": _fields(self.endpoints),
            "credentials": _fields(self.credentials) if self.credentials else None,
            "tls": {
                "enabled": self.tls.enabled,
                "cert_issuer": self.tls.cert_issuer,
                "ca_secret": _fields(self.tls.ca_secret) if self.tls.ca_secret else None,
            },
            "persistence": _fields(self.persistence),
            "replication": _fields(self.replication),
            "mode": self.mode,
        }


def _fields(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__slots__}


def build_contract(v: Variables) -> Contract:
    service = f"{v.cluster_name}.{v.namespace}.svc.{v.cluster_domain}"
    headless = f"{v.cluster_name}-headless.{v.namespace}.svc.{v.cluster_domain}"
    secret = password_secret_ref(v)
    credentials = Credentials(secret[0], secret[1], v.namespace) if secret else None
    if v.persistence_enabled:
        persistence = Persistence(True, v.storage_class, v.storage_size)
    else:
        # The operator cannot run without a volume (operator-facts.md): say what it makes.
        persistence = Persistence(True, None, OPERATOR_DEFAULT_STORAGE_SIZE)
    return Contract(
        cluster_name=v.cluster_name,
        cluster_namespace=v.namespace,
        endpoints=Endpoints(service, VALKEY_PORT, headless, VALKEY_PORT),
        credentials=credentials,
        tls=TLS(
            enabled=v.tls_enabled,
            cert_issuer=v.cert_issuer_name if v.tls_enabled else None,
            ca_secret=SecretKeyRef(f"{v.cluster_name}-tls", "ca.crt") if v.tls_enabled else None,
        ),
        persistence=persistence,
        replication=Replication(v.nodes, v.replicas),
    )
