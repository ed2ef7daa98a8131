"""What the workload-side tests share: the contract they use, its password, server handles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from .certs import Authority, ServerCert
from .servers import ServerProcess

CLUSTER_NAME = "valkey"
NAMESPACE = "valkey"
CONTRACT_HOST = f"{CLUSTER_NAME}.{NAMESPACE}.svc.cluster.local"
# Addresses from TEST-NET-1 (RFC 5737): never routable, like a pod IP seen
# from outside the cluster. Nodes announce them; only the remap reaches them.
VALKEY_ANNOUNCED_IP = "192.0.2.10"
REDIS_ANNOUNCED_IP = "192.0.2.20"
# Random per run, so a leak into any message or output is detectable.
PASSWORD = f"pw-{secrets.token_hex(12)}"

NO_REDIS = (
    "redis-server not installed: run `make servers` (Debian's redis-server 7.0, built with TLS)"
)


def make_contract(
    *,
    tls: bool = False,
    anonymous: bool = False,
    mode: str | None = "cluster",
    ca_secret: bool = True,
) -> dict[str, Any]:
    """A contract as ``wildside-valkey contract`` prints it for the default variables."""
    contract: dict[str, Any] = {
        "cluster_name": CLUSTER_NAME,
        "cluster_namespace": NAMESPACE,
        "mode": mode,
        "endpoints": {
            "primary_host": CONTRACT_HOST,
            "primary_port": 6379,
            "replica_host": f"{CLUSTER_NAME}-headless.{NAMESPACE}.svc.cluster.local",
            "replica_port": 6379,
        },
        "credentials": None
        if anonymous
        else {"secret_name": CLUSTER_NAME, "secret_key": "password", "namespace": NAMESPACE},
        "tls": {
            "enabled": tls,
            "cert_issuer": "my-issuer" if tls else None,
            "ca_secret": {"name": f"{CLUSTER_NAME}-tls", "key": "ca.crt"}
            if tls and ca_secret
            else None,
        },
        "persistence": {"enabled": True, "storage_class": "do-block-storage", "size": "1Gi"},
        "replication": {"nodes": 1, "replicas": 0},
    }
    if mode is None:  # contracts written before "mode" existed
        del contract["mode"]
    return contract


@dataclass(frozen=True)
class ValkeyServers:
    cluster: tuple[ServerProcess, ...]  # 3 primaries on 127.0.0.1, all slots
    announced: ServerProcess  # 1 primary that announces an unreachable pod-like IP
    standalone: ServerProcess  # cluster mode off

    @property
    def seed_port(self) -> int:
        return self.cluster[0].port

    def all(self) -> tuple[ServerProcess, ...]:
        return (*self.cluster, self.announced, self.standalone)


@dataclass(frozen=True)
class Pki:
    ca: Authority  # the cluster's CA (the contract's tls.ca_secret)
    other_ca: Authority  # an unrelated CA
    server: ServerCert  # the operator's DNS names, signed by ca
    wrong_name: ServerCert  # signed by ca, for a name the contract does not use


@dataclass(frozen=True)
class RedisTls:
    cluster: ServerProcess  # cluster mode, 1 primary, announces an unreachable IP
    wrong_name: ServerProcess  # standalone, certificate for another name

    @property
    def port(self) -> int:
        return self.cluster.port

    def all(self) -> tuple[ServerProcess, ...]:
        return (self.cluster, self.wrong_name)
