"""The ``hyperspike.io/v1`` ``Valkey`` resource, shaped for the real CRD (operator v0.0.61)."""

from __future__ import annotations

from typing import Any

from ..contract import CredentialStrategy, credential_strategy
from ..variables import Variables
from .labels import instance_labels

API_VERSION = "hyperspike.io/v1"
KIND = "Valkey"
_EXTERNAL_ACCESS_TYPES = {"loadbalancer": "LoadBalancer", "proxy": "Proxy"}


def valkey_manifest(v: Variables) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "nodes": v.nodes,
        "replicas": v.replicas,
        # The CRD requires these five; being explicit keeps the CRD's defaults out of diffs.
        "anonymousAuth": v.anonymous_auth,
        "clusterDomain": v.cluster_domain,
        "prometheus": v.prometheus_enabled,
        "serviceMonitor": v.service_monitor_enabled,
        "volumePermissions": False,
        # A boolean in the real CRD (the original design's string would be rejected).
        "tls": v.tls_enabled,
    }
    if v.tls_enabled:
        spec["certIssuer"] = v.cert_issuer_name
        spec["certIssuerType"] = v.cert_issuer_type
    if credential_strategy(v) in {CredentialStrategy.INLINE, CredentialStrategy.EXTERNAL_SECRET}:
        spec["servicePassword"] = {"name": v.password_secret_name, "key": v.password_secret_key}
    spec["resources"] = {
        "requests": {"cpu": v.resource_requests.cpu, "memory": v.resource_requests.memory},
        "limits": {"cpu": v.resource_limits.cpu, "memory": v.resource_limits.memory},
    }
    if v.persistence_enabled:
        # A whole PVC template: settings directly under `storage` are pruned by the API server.
        spec["storage"] = {
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": v.storage_size}},
                "storageClassName": v.storage_class,
            }
        }
    if v.image:
        spec["image"] = v.image
    if v.exporter_image:
        spec["exporterImage"] = v.exporter_image
    if v.node_selector:
        spec["nodeSelector"] = dict(sorted(v.node_selector.items()))
    if v.tolerations:
        spec["tolerations"] = [toleration.to_manifest() for toleration in v.tolerations]
    if v.external_access_enabled:
        spec["externalAccess"] = {
            "enabled": True,
            "type": _EXTERNAL_ACCESS_TYPES[v.external_access_type],
        }
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": v.cluster_name,
            "namespace": v.namespace,
            "labels": instance_labels(v),
        },
        "spec": spec,
    }
