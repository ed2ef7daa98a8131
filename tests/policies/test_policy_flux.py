"""Rules of package wildside_valkey.flux: each with a triggering and a passing manifest set."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wildside_valkey.policies import Severity

from .builders import evaluate, messages, only, render_tree, rules

HR = "operator/helmrelease.yaml: HelmRelease flux-system/valkey-operator: "
OCI = "operator/source.yaml: OCIRepository flux-system/valkey-operator: "
HREPO = "operator/source.yaml: HelmRepository flux-system/valkey-operator: "
RANGES = [
    ">=1",
    "~1",
    "^1",
    "1.x",
    "*",
    ">=0.0.61 <1.0.0",
    "latest",
    "1.2",
    "v0.0.61-chart || v0.0.62-chart",
]


@pytest.mark.parametrize("source_kind", ["OCIRepository", "HelmRepository"])
def test_default_sources_pass(source_kind: str) -> None:
    assert rules(evaluate(render_tree(source_kind=source_kind))) == []


# flux.oci-ref-pinned


@pytest.mark.parametrize("semver", [">=1", "~1", "^1", "1.x", "*", ">=0.0.61 <1.0.0"])
def test_oci_semver_range_denies(semver: str) -> None:
    tree = render_tree()
    only(tree, "operator/source.yaml")["spec"]["ref"] = {"semver": semver}
    report = evaluate(tree)
    assert messages(report, "flux.oci-ref-pinned", Severity.DENY) == [
        f'{OCI}spec.ref.semver "{semver}" is a range, so Flux moves to the newest matching tag '
        "by itself; pin spec.ref.tag to an exact version such as v0.0.61-chart "
        "(or set spec.ref.digest)"
    ]


@pytest.mark.parametrize(
    "ref",
    [
        {"semver": "v0.0.61-chart"},
        {"semver": "0.0.61"},
        {"digest": "sha256:" + "a" * 64},
        {"digest": "sha256:" + "a" * 64, "semver": ">=1"},
        {"tag": "v0.0.61-chart"},
    ],
)
def test_oci_pinned_refs_pass(ref: dict[str, str]) -> None:
    tree = render_tree()
    only(tree, "operator/source.yaml")["spec"]["ref"] = ref
    assert messages(evaluate(tree), "flux.oci-ref-pinned") == []


@pytest.mark.parametrize("tag", ["latest", "LATEST", "1.x", "v1.X", ""])
def test_oci_floating_tag_denies(tag: str) -> None:
    tree = render_tree()
    only(tree, "operator/source.yaml")["spec"]["ref"] = {"tag": tag}
    assert messages(evaluate(tree), "flux.oci-ref-pinned", Severity.DENY) == [
        f'{OCI}spec.ref.tag "{tag}" floats, so the chart can change under a running cluster; '
        "pin an exact tag such as v0.0.61-chart (or set spec.ref.digest)"
    ]


def test_oci_missing_ref_denies() -> None:
    tree = render_tree()
    del only(tree, "operator/source.yaml")["spec"]["ref"]
    assert messages(evaluate(tree), "flux.oci-ref-pinned", Severity.DENY) == [
        f'{OCI}spec.ref sets no tag, semver or digest, so Flux follows the "latest" tag; '
        "pin spec.ref.tag to an exact version such as v0.0.61-chart"
    ]


# flux.helmrelease-version-pinned


@pytest.mark.parametrize("version", RANGES)
def test_helmrelease_range_denies(version: str) -> None:
    tree = render_tree(source_kind="HelmRepository")
    only(tree, "operator/helmrelease.yaml")["spec"]["chart"]["spec"]["version"] = version
    assert messages(evaluate(tree), "flux.helmrelease-version-pinned", Severity.DENY) == [
        f'{HR}spec.chart.spec.version "{version}" is not an exact version, so Flux moves to '
        "the newest match by itself; pin one such as v0.0.61-chart"
    ]


def test_helmrelease_missing_version_denies() -> None:
    tree = render_tree(source_kind="HelmRepository")
    del only(tree, "operator/helmrelease.yaml")["spec"]["chart"]["spec"]["version"]
    assert messages(evaluate(tree), "flux.helmrelease-version-pinned", Severity.DENY) == [
        f'{HR}spec.chart.spec.version is not set, so Flux installs the newest chart ("*") and '
        "upgrades it unasked; pin an exact version such as v0.0.61-chart"
    ]


_IDENTIFIER = st.from_regex(r"[0-9A-Za-z-]{1,8}", fullmatch=True)
_NUMBER = st.integers(min_value=0, max_value=999).map(str)


@settings(max_examples=40, deadline=None)
@given(
    prefix=st.sampled_from(["", "v"]),
    numbers=st.tuples(_NUMBER, _NUMBER, _NUMBER),
    prerelease=st.one_of(st.none(), _IDENTIFIER),
    operator=st.sampled_from(["", ">=", "~", "^", "<", "="]),
)
def test_exact_versions_pass_and_constraints_deny(
    prefix: str, numbers: tuple[str, str, str], prerelease: str | None, operator: str
) -> None:
    version = prefix + ".".join(numbers) + (f"-{prerelease}" if prerelease else "")
    tree = render_tree(source_kind="HelmRepository")
    only(tree, "operator/helmrelease.yaml")["spec"]["chart"]["spec"]["version"] = operator + version
    denied = messages(evaluate(tree), "flux.helmrelease-version-pinned") != []
    assert denied == (operator != "")


# flux.helmrelease-chart-source


def test_helmrelease_with_chart_and_chart_ref_denies() -> None:
    tree = render_tree()
    release = only(tree, "operator/helmrelease.yaml")
    release["spec"]["chart"] = render_tree(source_kind="HelmRepository")[
        "operator/helmrelease.yaml"
    ][0]["spec"]["chart"]
    assert messages(evaluate(tree), "flux.helmrelease-chart-source", Severity.DENY) == [
        f"{HR}sets both spec.chart and spec.chartRef; Flux accepts exactly one"
    ]


def test_helmrelease_without_chart_denies() -> None:
    tree = render_tree()
    del only(tree, "operator/helmrelease.yaml")["spec"]["chartRef"]
    assert messages(evaluate(tree), "flux.helmrelease-chart-source", Severity.DENY) == [
        f"{HR}sets neither spec.chart nor spec.chartRef, so it names no chart"
    ]


# flux.chart-source-namespace


def test_chart_ref_without_namespace_denies() -> None:
    tree = render_tree()
    del only(tree, "operator/helmrelease.yaml")["spec"]["chartRef"]["namespace"]
    report = evaluate(tree)
    assert messages(report, "flux.chart-source-namespace", Severity.DENY) == [
        f'{HR}spec.chartRef names OCIRepository "valkey-operator" without a namespace; set '
        "spec.chartRef.namespace so the reference resolves wherever the HelmRelease is applied"
    ]
    # The release lives in the source's namespace, so the reference still resolves today.
    assert messages(report, "flux.chart-source-present") == []


def test_source_ref_without_namespace_denies() -> None:
    tree = render_tree(source_kind="HelmRepository")
    chart = only(tree, "operator/helmrelease.yaml")["spec"]["chart"]["spec"]
    del chart["sourceRef"]["namespace"]
    assert messages(evaluate(tree), "flux.chart-source-namespace", Severity.DENY) == [
        f'{HR}spec.chart.spec.sourceRef names HelmRepository "valkey-operator" without a '
        "namespace; set spec.chart.spec.sourceRef.namespace so the reference resolves "
        "wherever the HelmRelease is applied"
    ]


# flux.chart-source-present


def test_missing_chart_source_warns() -> None:
    tree = render_tree()
    only(tree, "operator/helmrelease.yaml")["spec"]["chartRef"]["name"] = "renamed"
    assert messages(evaluate(tree), "flux.chart-source-present", Severity.WARN) == [
        f"{HR}spec.chartRef names OCIRepository flux-system/renamed, which is not among these "
        "manifests; Flux waits until it exists"
    ]


def test_chart_source_in_another_namespace_warns() -> None:
    tree = render_tree(source_kind="HelmRepository")
    chart = only(tree, "operator/helmrelease.yaml")["spec"]["chart"]["spec"]
    chart["sourceRef"]["namespace"] = "elsewhere"
    assert messages(evaluate(tree), "flux.chart-source-present", Severity.WARN) == [
        f"{HR}spec.chart.spec.sourceRef names HelmRepository elsewhere/valkey-operator, which "
        "is not among these manifests; Flux waits until it exists"
    ]


# flux.helm-repository-oci-type


@pytest.mark.parametrize(
    ("patch", "shown"), [({}, '"default"'), ({"type": "default"}, '"default"')]
)
def test_oci_helm_repository_without_oci_type_denies(patch: dict[str, str], shown: str) -> None:
    tree = render_tree(source_kind="HelmRepository")
    spec = only(tree, "operator/source.yaml")["spec"]
    del spec["type"]
    spec.update(patch)
    assert messages(evaluate(tree), "flux.helm-repository-oci-type", Severity.DENY) == [
        f"{HREPO}spec.url is an oci:// URL but spec.type is {shown}; set spec.type: oci, "
        "otherwise Flux fetches the URL as an HTTP index.yaml and fails"
    ]


def test_oci_type_with_https_url_denies() -> None:
    tree = render_tree(source_kind="HelmRepository")
    only(tree, "operator/source.yaml")["spec"]["url"] = "https://charts.example.com"
    assert messages(evaluate(tree), "flux.helm-repository-oci-type", Severity.DENY) == [
        f'{HREPO}spec.type is oci but spec.url "https://charts.example.com" is not an oci:// URL'
    ]


def test_https_helm_repository_without_type_passes() -> None:
    tree = render_tree(source_kind="HelmRepository")
    spec = only(tree, "operator/source.yaml")["spec"]
    del spec["type"]
    spec["url"] = "https://charts.example.com"
    assert messages(evaluate(tree), "flux.helm-repository-oci-type") == []


# flux.oci-chart-layer-selector

LAYER_MESSAGE = (
    f"{OCI}is the chart of HelmRelease flux-system/valkey-operator but spec.layerSelector is "
    "not {mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip, operation: copy}; "
    "without it source-controller extracts the first layer instead of keeping the chart archive"
)


def test_chart_oci_repository_without_layer_selector_denies() -> None:
    tree = render_tree()
    del only(tree, "operator/source.yaml")["spec"]["layerSelector"]
    assert messages(evaluate(tree), "flux.oci-chart-layer-selector", Severity.DENY) == [
        LAYER_MESSAGE
    ]


def test_chart_oci_repository_with_extract_operation_denies() -> None:
    tree = render_tree()
    only(tree, "operator/source.yaml")["spec"]["layerSelector"]["operation"] = "extract"
    assert messages(evaluate(tree), "flux.oci-chart-layer-selector", Severity.DENY) == [
        LAYER_MESSAGE
    ]


def test_oci_repository_that_is_no_chart_source_needs_no_selector() -> None:
    tree = render_tree()
    source = only(tree, "operator/source.yaml")
    del source["spec"]["layerSelector"]
    source["metadata"]["name"] = "manifests"
    report = evaluate(tree)
    assert messages(report, "flux.oci-chart-layer-selector") == []


# flux.plain-http-source


def test_http_source_warns() -> None:
    tree = render_tree(source_kind="HelmRepository")
    spec = only(tree, "operator/source.yaml")["spec"]
    del spec["type"]
    spec["url"] = "http://charts.example.com"
    assert messages(evaluate(tree), "flux.plain-http-source", Severity.WARN) == [
        f'{HREPO}spec.url "http://charts.example.com" uses plain http://, so the chart and any '
        "credentials travel unencrypted and can be tampered with; use https:// or oci://"
    ]


def test_https_source_does_not_warn() -> None:
    tree = render_tree(source_kind="HelmRepository")
    spec = only(tree, "operator/source.yaml")["spec"]
    del spec["type"]
    spec["url"] = "https://charts.example.com"
    assert messages(evaluate(tree), "flux.plain-http-source") == []


# flux.values-dotted-key


def test_dotted_values_keys_warn() -> None:
    tree = render_tree()
    only(tree, "operator/helmrelease.yaml")["spec"]["values"] = {
        "image.tag": "v1",
        "controller": {"tolerations": [{"node.role": "x"}]},
    }
    assert messages(evaluate(tree), "flux.values-dotted-key", Severity.WARN) == [
        f'{HR}spec.values has the key "image.tag", which Helm reads as one literal key, not as '
        "a path; nest it instead (image: {tag: ...})",
        f'{HR}spec.values.controller.tolerations[0] has the key "node.role", which Helm reads '
        "as one literal key, not as a path; nest it instead (node: {role: ...})",
    ]


def test_label_keys_and_nested_values_do_not_warn() -> None:
    tree = render_tree()
    only(tree, "operator/helmrelease.yaml")["spec"]["values"] = {
        "image": {"tag": "v1"},
        "podLabels": {"app.kubernetes.io/part-of": "valkey"},
        "versions": {"1.2": "x"},
    }
    assert messages(evaluate(tree), "flux.values-dotted-key") == []


def test_three_part_dotted_key_suggests_full_nesting() -> None:
    tree = render_tree()
    only(tree, "operator/helmrelease.yaml")["spec"]["values"] = {"a.b.c": 1}
    assert messages(evaluate(tree), "flux.values-dotted-key") == [
        f'{HR}spec.values has the key "a.b.c", which Helm reads as one literal key, not as a '
        "path; nest it instead (a: {b: {c: ...}})"
    ]


# flux.namespace-local-refs


def test_rendered_references_are_namespace_local() -> None:
    assert messages(evaluate(render_tree()), "flux.namespace-local-refs") == []


def test_a_chart_source_in_another_namespace_warns() -> None:
    tree = render_tree()
    only(tree, "operator/helmrelease.yaml")["spec"]["chartRef"]["namespace"] = "shared-sources"
    assert messages(evaluate(tree), "flux.namespace-local-refs", Severity.WARN) == [
        f'{HR}spec.chartRef points into namespace "shared-sources", not the object\'s own '
        '("flux-system"); a Flux locked down for multi-tenancy (--no-cross-namespace-refs) '
        "refuses it: keep the referenced object beside this one"
    ]


def test_a_dependency_in_another_namespace_warns() -> None:
    tree = render_tree()
    cluster = tree["sync.yaml"][1]
    cluster["spec"]["dependsOn"].append({"name": "cert-manager", "namespace": "infra"})
    [warning] = messages(evaluate(tree), "flux.namespace-local-refs", Severity.WARN)
    assert 'spec.dependsOn[1] points into namespace "infra"' in warning
