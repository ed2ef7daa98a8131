"""The plan: variables become ordered resources, the operator chart and the contract.

Pure code (enforced by import-linter): no network, no files, no clocks.
"""

from .build import build_plan
from .labels import instance_labels, operator_namespace_labels
from .model import Component, OperatorChart, Plan, Resource
from .ordering import APPLY_ORDER, delete_order

__all__ = [
    "APPLY_ORDER",
    "Component",
    "OperatorChart",
    "Plan",
    "Resource",
    "build_plan",
    "delete_order",
    "instance_labels",
    "operator_namespace_labels",
]
