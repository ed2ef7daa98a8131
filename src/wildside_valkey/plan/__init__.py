"""The plan: variables become ordered resources, the operator chart and the contract.

Pure code (enforced by import-linter): no network, no files, no clocks.
"""

from .build import build_plan
from .frozen import freeze, thaw
from .labels import (
    instance_labels,
    instance_selector,
    operator_namespace_labels,
    operator_pod_labels,
)
from .model import Component, OperatorChart, Plan, Resource
from .ordering import APPLY_ORDER, apply_order, delete_order

__all__ = [
    "APPLY_ORDER",
    "Component",
    "OperatorChart",
    "Plan",
    "Resource",
    "apply_order",
    "build_plan",
    "delete_order",
    "freeze",
    "instance_labels",
    "instance_selector",
    "operator_namespace_labels",
    "operator_pod_labels",
    "thaw",
]
