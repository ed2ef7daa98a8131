"""The module's optional PodDisruptionBudget, over the operator's own pod labels."""

from __future__ import annotations

from typing import Any

from ..variables import Variables
from .kinds import POD_DISRUPTION_BUDGET
from .labels import instance_labels, operator_pod_labels


def pdb_manifest(v: Variables) -> dict[str, Any]:
    return {
        **POD_DISRUPTION_BUDGET.header(),
        "metadata": {"name": v.pdb_name, "namespace": v.namespace, "labels": instance_labels(v)},
        "spec": {
            "minAvailable": v.pdb_min_available,
            "selector": {"matchLabels": operator_pod_labels(v.cluster_name)},
        },
    }
