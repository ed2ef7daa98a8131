"""The plan's side of the lifecycle and monitoring variables (pure: no cluster)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wildside_valkey.plan import Plan, build_plan
from wildside_valkey.variables import variables_from_mapping
from wildside_valkey.variables.formats import go_duration_seconds


def plan_for(**values: object) -> Plan:
    return build_plan(variables_from_mapping(values))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("72h", 259200), ("1h30m", 5400), ("90s", 90), ("1.5h", 5400), ("2500ms", Decimal("2.5"))],
)
def test_go_durations(text: str, seconds: Decimal) -> None:
    assert go_duration_seconds(text) == seconds


def test_ttl_is_a_record_in_apply_mode_only() -> None:
    applied = plan_for(mode="apply", ttl="72h")
    assert [str(r) for r in applied.resources] == [
        "Namespace valkey-system",
        "Namespace valkey",
        "ConfigMap valkey/valkey-lifecycle",  # right after the namespaces
        "Valkey valkey/valkey",
    ]
    rendered = plan_for(ttl="72h")
    assert "ConfigMap valkey/valkey-lifecycle" not in [str(r) for r in rendered.resources]
    assert any(w.startswith("ttl is recorded by apply mode only") for w in rendered.warnings)
    assert not any("ttl" in w for w in applied.warnings)


def test_prometheus_labels_reach_the_valkey_and_warn_without_a_service_monitor() -> None:
    labels = {"release": "kube-prometheus-stack"}
    watched = plan_for(
        prometheus_enabled=True, service_monitor_enabled=True, prometheus_labels=labels
    )
    valkey = watched.find("Valkey")
    assert valkey is not None
    assert valkey.body["spec"]["prometheusLabels"] == labels
    assert watched.warnings == ()
    unwatched = plan_for(prometheus_labels=labels)
    assert any("prometheus_labels is ignored" in w for w in unwatched.warnings)
    default = plan_for().find("Valkey")
    assert default is not None
    assert "prometheusLabels" not in default.body["spec"]
