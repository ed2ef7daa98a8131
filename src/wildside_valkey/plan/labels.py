"""Labels and annotations this project puts on what it creates.

Labels on the ``Valkey`` resource are copied by the operator into the
StatefulSet selector, which is immutable: they depend only on the cluster's
identity (name and namespace), never on versions or settings.
"""

from __future__ import annotations

from ..variables import Variables

MANAGED_BY_KEY = "app.kubernetes.io/managed-by"
MANAGED_BY = "wildside-valkey"
CLUSTER_KEY = "wildside-valkey.io/cluster"
CLUSTER_NAMESPACE_KEY = "wildside-valkey.io/cluster-namespace"
COMPONENT_KEY = "wildside-valkey.io/component"
# The opt-in that lets a Secret with literal data live in a GitOps tree.
ALLOW_PLAINTEXT_ANNOTATION = "wildside-valkey.io/allow-plaintext-secret"
# On a Valkey: the Secret its servicePassword names exists already (the user creates it).
EXISTING_SECRET_ANNOTATION = "wildside-valkey.io/existing-password-secret"

# The operator's own pod labels (besides a copy of the CR's labels).
OPERATOR_POD_NAME = ("app.kubernetes.io/name", "valkey")
OPERATOR_POD_COMPONENT = ("app.kubernetes.io/component", "valkey")
OPERATOR_POD_INSTANCE_KEY = "app.kubernetes.io/instance"


def instance_labels(v: Variables) -> dict[str, str]:
    """The labels that mark an object as created by wildside-valkey for this cluster."""
    return {
        MANAGED_BY_KEY: MANAGED_BY,
        CLUSTER_KEY: v.cluster_name,
        CLUSTER_NAMESPACE_KEY: v.namespace,
    }


def operator_namespace_labels() -> dict[str, str]:
    """The operator namespace's labels: shared by every cluster, so no cluster identity."""
    return {MANAGED_BY_KEY: MANAGED_BY, COMPONENT_KEY: "operator"}


def operator_pod_labels(cluster_name: str) -> dict[str, str]:
    """The labels the operator puts on the Valkey pods of the CR named ``cluster_name``."""
    return {
        OPERATOR_POD_INSTANCE_KEY: cluster_name,
        OPERATOR_POD_NAME[0]: OPERATOR_POD_NAME[1],
        OPERATOR_POD_COMPONENT[0]: OPERATOR_POD_COMPONENT[1],
    }
