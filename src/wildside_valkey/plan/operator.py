"""The operator's Helm chart: where it comes from, which version, with which values."""

from __future__ import annotations

from ..variables import Variables
from ..variables.helm_values import merge_values
from .frozen import freeze
from .model import OperatorChart


def operator_chart(v: Variables) -> OperatorChart:
    return OperatorChart(
        release_name=v.helm_release_name,
        namespace=v.operator_namespace,
        repository=v.chart_repository,
        chart=v.chart_name,
        version=v.chart_version,
        values=freeze(merge_values(v.helm_values)),
        wait=v.helm_wait,
        timeout_seconds=v.helm_timeout,
    )
