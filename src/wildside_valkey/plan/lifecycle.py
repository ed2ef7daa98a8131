"""The preview lifecycle record: a small ConfigMap carrying the cluster's time to live.

Not an annotation on the ``Valkey``: the operator copies the resource's
annotations into its StatefulSet's pod template (v0.0.61
``internal/controller/valkey_controller.go``, ``upsertStatefulSet``:
``Annotations: annotations(valkey)``), so changing the TTL there would restart
every pod. The record lives beside the cluster, with this instance's labels, and
is written only in apply mode (``destroy --expired`` reads it there). A preview
expires ``ttl`` after its record was created: the first apply that gave it a
TTL (raising the TTL later extends it; the count does not restart).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..variables import Variables
from ..variables.derived_names import lifecycle_record_name
from .kinds import CONFIG_MAP
from .labels import instance_labels

TTL_ANNOTATION = "wildside-valkey.io/ttl"


def is_lifecycle_record(obj: Mapping[str, Any]) -> bool:
    """A ConfigMap carrying the TTL annotation (planned, or read back from the cluster)."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return obj.get("kind") == CONFIG_MAP.kind and TTL_ANNOTATION in annotations


def lifecycle_manifest(v: Variables) -> dict[str, Any]:
    return {
        **CONFIG_MAP.header(),
        "metadata": {
            "name": lifecycle_record_name(v.cluster_name),
            "namespace": v.namespace,
            "labels": instance_labels(v),
            "annotations": {TTL_ANNOTATION: v.ttl},
        },
    }
