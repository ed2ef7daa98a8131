"""Namespaces, when ``create_namespaces`` asks for them."""

from __future__ import annotations

from typing import Any

from ..variables import Variables
from .kinds import NAMESPACE
from .labels import instance_labels, operator_namespace_labels


def operator_namespace_manifest(v: Variables) -> dict[str, Any]:
    return _namespace(v.operator_namespace, operator_namespace_labels())


def cluster_namespace_manifest(v: Variables) -> dict[str, Any]:
    return _namespace(v.namespace, instance_labels(v))


def _namespace(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {**NAMESPACE.header(), "metadata": {"name": name, "labels": labels}}
