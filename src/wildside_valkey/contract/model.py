"""The sync policy contract: what downstream workloads read to connect.

Its keys are a public promise (see the interface): keys may be added, none may
change shape. Hosts are the Services the operator really creates and that its
TLS certificate covers.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..variables import Variables
from ..variables.derived_names import headless_service_name
from .credentials import password_secret_ref

VALKEY_PORT = 6379


class Endpoints(msgspec.Struct, frozen=True, omit_defaults=True):
    primary_host: str
    primary_port: int
    replica_host: str
    replica_port: int
    # From outside the cluster: the proxy's DNS name, when the user gave one (an addition:
    # absent otherwise). The operator's proxy listens on the Valkey port.
    external_host: str | None = None


class Credentials(msgspec.Struct, frozen=True):
    secret_name: str
    secret_key: str
    namespace: str


class SecretKeyRef(msgspec.Struct, frozen=True):
    name: str
    key: str


class TLS(msgspec.Struct, frozen=True):
    enabled: bool
    cert_issuer: str | None
    ca_secret: SecretKeyRef | None


class Persistence(msgspec.Struct, frozen=True):
    enabled: bool
    storage_class: str | None
    size: str


class Replication(msgspec.Struct, frozen=True):
    nodes: int
    replicas: int


class Contract(msgspec.Struct, frozen=True):
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
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data


def build_contract(v: Variables) -> Contract:
    service = f"{v.cluster_name}.{v.namespace}.svc.{v.cluster_domain}"
    headless = f"{headless_service_name(v.cluster_name)}.{v.namespace}.svc.{v.cluster_domain}"
    secret = password_secret_ref(v)
    credentials = Credentials(secret[0], secret[1], v.namespace) if secret else None
    # Every Valkey carries storage (the operator cannot run one without), so this is
    # what runs whatever persistence_enabled says.
    persistence = Persistence(True, v.storage_class, v.storage_size)
    return Contract(
        cluster_name=v.cluster_name,
        cluster_namespace=v.namespace,
        endpoints=Endpoints(
            service, VALKEY_PORT, headless, VALKEY_PORT, v.external_access_hostname or None
        ),
        credentials=credentials,
        tls=TLS(
            enabled=v.tls_enabled,
            cert_issuer=v.cert_issuer_name if v.tls_enabled else None,
            ca_secret=SecretKeyRef(f"{v.cluster_name}-tls", "ca.crt") if v.tls_enabled else None,
        ),
        persistence=persistence,
        replication=Replication(v.nodes, v.replicas),
    )
