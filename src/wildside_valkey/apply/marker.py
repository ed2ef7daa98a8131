"""The record that wildside-valkey installed the operator's Helm release (pure).

A release of the same name and namespace can exist without us: installed by
hand, or by Flux's helm-controller from a render-mode tree. destroy must never
remove what someone else created, so when apply installs the release it also
applies a small ConfigMap beside it, through the same server-side apply path
and field manager as every other object. destroy uninstalls the release only
when that marker is ours (its labels *and* our field manager), and deletes the
marker with it.

The marker holds the release name, chart reference and version: never values,
which may hold secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..plan import Component, OperatorChart, Resource, operator_namespace_labels
from .kinds import CONFIG_MAP, ObjectRef
from .ownership import is_ours

MARKER_NAME = "wildside-valkey-operator-release"


def marker_resource(chart: OperatorChart) -> Resource:
    """The ConfigMap apply writes when it installs ``chart``'s release."""
    return Resource.of(
        Component.OPERATOR,
        {
            **CONFIG_MAP.header(),
            "metadata": {
                "name": MARKER_NAME,
                "namespace": chart.namespace,
                "labels": operator_namespace_labels(),
            },
            "data": {
                "release": chart.release_name,
                "chart": chart.chart_reference,
                "version": chart.version,
            },
        },
    )


def marker_ref(chart: OperatorChart) -> ObjectRef:
    return ObjectRef.of(marker_resource(chart))


def is_our_marker(obj: Mapping[str, Any] | None) -> bool:
    """True when the live marker exists, carries our labels and our field manager applied it."""
    return obj is not None and is_ours(obj, operator_namespace_labels())


def foreign_release_warning(chart: OperatorChart) -> str:
    return (
        f"operator release {chart.release_name} (namespace {chart.namespace}) exists and was "
        "not installed by wildside-valkey: apply upgrades it when its chart version or values "
        "differ, and destroy leaves it in place"
    )
