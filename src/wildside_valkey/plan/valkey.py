"""The ``Valkey`` resource (``kinds.VALKEY``), shaped for the real CRD (operator v0.0.61)."""

from __future__ import annotations

from typing import Any

from ..contract import CredentialStrategy, credential_strategy
from ..variables import Variables
from .kinds import VALKEY
from .labels import EXISTING_SECRET_ANNOTATION, instance_labels

_SECRET_REFERENCED = frozenset(
    {
        CredentialStrategy.INLINE,
        CredentialStrategy.EXTERNAL_SECRET,
        CredentialStrategy.EXISTING_SECRET,
    }
)
# The CRD's default (``+kubebuilder:default:="ip"``): left out, as before, so that
# existing resources see no change.
CRD_DEFAULT_ENDPOINT_TYPE = "ip"
_EXTERNAL_ACCESS_TYPES = {"loadbalancer": "LoadBalancer", "proxy": "Proxy"}


def valkey_manifest(v: Variables) -> dict[str, Any]:
    spec = {**_required_spec(v), **_settings_spec(v), **_pods_spec(v)}
    if v.external_access_enabled:
        spec["externalAccess"] = external_access_manifest(v)
    metadata: dict[str, Any] = {
        "name": v.cluster_name,
        "namespace": v.namespace,
        "labels": instance_labels(v),
    }
    if credential_strategy(v) is CredentialStrategy.EXISTING_SECRET:
        # Declares, inside the manifests, that nothing here creates the Secret on
        # purpose: the policy pack (valkey.service-password-secret) reads it.
        metadata["annotations"] = {EXISTING_SECRET_ANNOTATION: v.password_secret_name}
    return {**VALKEY.header(), "metadata": metadata, "spec": spec}


def _required_spec(v: Variables) -> dict[str, Any]:
    return {
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


def _settings_spec(v: Variables) -> dict[str, Any]:
    """Endpoints, monitoring, TLS and the password: each only when it is set."""
    spec: dict[str, Any] = {}
    if v.cluster_preferred_endpoint_type != CRD_DEFAULT_ENDPOINT_TYPE:
        spec["clusterPreferredEndpointType"] = v.cluster_preferred_endpoint_type
    if v.prometheus_labels:
        spec["prometheusLabels"] = dict(v.prometheus_labels)
    if v.tls_enabled:
        spec["certIssuer"] = v.cert_issuer_name
        spec["certIssuerType"] = v.cert_issuer_type
    if credential_strategy(v) in _SECRET_REFERENCED:
        spec["servicePassword"] = {"name": v.password_secret_name, "key": v.password_secret_key}
    return spec


def _pods_spec(v: Variables) -> dict[str, Any]:
    """What each pod gets: resources, its volume, images and scheduling."""
    spec: dict[str, Any] = {
        "resources": {
            "requests": {"cpu": v.resource_requests.cpu, "memory": v.resource_requests.memory},
            "limits": {"cpu": v.resource_limits.cpu, "memory": v.resource_limits.memory},
        },
        # Always: without `storage` the operator's second reconcile stops at "storage has
        # been removed but cannot be updated" and the cluster never forms (docs/design.md, Storage).
        "storage": storage_manifest(v),
    }
    if v.image:
        spec["image"] = v.image
    if v.exporter_image:
        spec["exporterImage"] = v.exporter_image
    if v.node_selector:
        spec["nodeSelector"] = dict(sorted(v.node_selector.items()))
    if v.tolerations:
        spec["tolerations"] = [toleration.to_manifest() for toleration in v.tolerations]
    return spec


def storage_manifest(v: Variables) -> dict[str, Any]:
    """A whole PVC template: settings directly under ``storage`` are pruned by the API server.

    The same with persistence off: the operator gives each pod a volume either way,
    so the user's size and class are the better choice than its 8Gi default.
    """
    return {
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": v.storage_size}},
            "storageClassName": v.storage_class,
        }
    }


def external_access_manifest(v: Variables) -> dict[str, Any]:
    access: dict[str, Any] = {
        "enabled": True,
        "type": _EXTERNAL_ACCESS_TYPES[v.external_access_type],
    }
    annotations = dict(v.external_access_annotations)
    if v.uses_proxy:
        # Always the object: with TLS the v0.0.61 controller reads proxy.hostname without a
        # nil check (upsertProxyCertificate) and crashes on every reconcile when it is absent.
        proxy: dict[str, Any] = {"replicas": v.external_access_proxy_replicas}
        if v.external_access_hostname:
            proxy["hostname"] = v.external_access_hostname
        if annotations:
            proxy["annotations"] = annotations
        access["proxy"] = proxy
    elif annotations:
        access["loadBalancer"] = {"annotations": annotations}
    return access
