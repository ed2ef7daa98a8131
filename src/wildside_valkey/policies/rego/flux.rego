# Flux sources and HelmReleases: pinned chart versions and chart sources Flux can resolve.
package wildside_valkey.flux

import rego.v1

import data.wildside_valkey.lib

helm_chart_media_type := "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

# An exact semantic version (optional "v", pre-release and build allowed). Anything else in
# a version or semver field is a constraint that Flux resolves to the newest match by itself.
exact_version_pattern := `^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`

# Tags that float: empty, "latest", range operators and wildcard components such as "1.x".
floating_tag_pattern := `^$|[<>=~^*|, ]|(^|\.)[xX](\.|$)`

# A key that reads like a flattened path ("image.tag"): dotted identifiers, no slash, so
# label and annotation keys such as "app.kubernetes.io/name" do not match.
dotted_key_pattern := `^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)+$`

example_version := "v0.0.61-chart"

oci_repositories := lib.objects_of("source.toolkit.fluxcd.io", "OCIRepository")

helm_repositories := lib.objects_of("source.toolkit.fluxcd.io", "HelmRepository")

helm_releases := lib.objects_of("helm.toolkit.fluxcd.io", "HelmRelease")

git_repositories := lib.objects_of("source.toolkit.fluxcd.io", "GitRepository")

url_sources := array.concat(array.concat(oci_repositories, helm_repositories), git_repositories)

is_exact_version(version) if {
	is_string(version)
	regex.match(exact_version_pattern, version)
}

is_floating_tag(tag) if not is_string(tag)

is_floating_tag(tag) if {
	is_string(tag)
	lower(tag) == "latest"
}

is_floating_tag(tag) if {
	is_string(tag)
	regex.match(floating_tag_pattern, tag)
}

# The chart sources HelmReleases point at: spec.chartRef, or spec.chart.spec.sourceRef.
chart_references contains {"release": m, "field": "spec.chartRef", "ref": ref} if {
	some m in helm_releases
	ref := m.object.spec.chartRef
	is_object(ref)
}

chart_references contains {"release": m, "field": "spec.chart.spec.sourceRef", "ref": ref} if {
	some m in helm_releases
	ref := m.object.spec.chart.spec.sourceRef
	is_object(ref)
}

# The namespace a reference resolves in: its own, else the HelmRelease's (Flux's default).
reference_namespace(r) := lib.text(object.get(r.ref, "namespace", lib.namespace(r.release.object)))

reference_kind(r) := lib.text(object.get(r.ref, "kind", "source"))

references_source(r, m) if {
	m.object.kind == object.get(r.ref, "kind", "")
	lib.api_group(m.object.apiVersion) == "source.toolkit.fluxcd.io"
	lib.name(m.object) == object.get(r.ref, "name", "")
	lib.namespace(m.object) == reference_namespace(r)
}

# flux.oci-ref-pinned
# Protects against an operator that upgrades itself: an OCIRepository without a ref follows
# "latest", and a semver range or floating tag moves to the newest match on every interval.
# A digest, an exact tag or an exact semver pins it.
deny contains finding if {
	some m in oci_repositories
	text := oci_ref_problem(object.get(m.object, ["spec", "ref"], {}))
	text != ""
	finding := lib.finding(m, "flux.oci-ref-pinned", text)
}

oci_ref_problem(ref) := "" if {
	is_string(ref.digest)
	ref.digest != ""
} else := text if {
	"semver" in object.keys(ref)
	not is_exact_version(ref.semver)
	text := concat("", [
		"spec.ref.semver ", lib.show(ref.semver),
		" is a range, so Flux moves to the newest matching tag by itself; pin spec.ref.tag to an exact version such as ",
		example_version, " (or set spec.ref.digest)",
	])
} else := "" if {
	"semver" in object.keys(ref)
} else := text if {
	not "tag" in object.keys(ref)
	text := concat("", [
		"spec.ref sets no tag, semver or digest, so Flux follows the \"latest\" tag; pin spec.ref.tag to an exact version such as ",
		example_version,
	])
} else := text if {
	is_floating_tag(ref.tag)
	text := concat("", [
		"spec.ref.tag ", lib.show(ref.tag),
		" floats, so the chart can change under a running cluster; pin an exact tag such as ",
		example_version, " (or set spec.ref.digest)",
	])
} else := ""

# flux.helmrelease-version-pinned
# Protects against unplanned operator upgrades through a HelmRepository: a missing version
# means "*" (the newest chart), and a range resolves to the newest match on every interval.
deny contains finding if {
	some m in helm_releases
	chart := m.object.spec.chart.spec
	is_object(chart)
	text := chart_version_problem(chart)
	text != ""
	finding := lib.finding(m, "flux.helmrelease-version-pinned", text)
}

chart_version_problem(chart) := text if {
	not "version" in object.keys(chart)
	text := concat("", [
		"spec.chart.spec.version is not set, so Flux installs the newest chart (\"*\") and upgrades it unasked; pin an exact version such as ",
		example_version,
	])
} else := text if {
	not is_exact_version(chart.version)
	text := concat("", [
		"spec.chart.spec.version ", lib.show(chart.version),
		" is not an exact version, so Flux moves to the newest match by itself; pin one such as ",
		example_version,
	])
} else := ""

# flux.helmrelease-chart-source
# Protects against a HelmRelease that names no chart, or two: Flux accepts exactly one of
# spec.chart and spec.chartRef.
deny contains finding if {
	some m in helm_releases
	spec := object.get(m.object, "spec", {})
	keys := object.keys(spec)
	"chart" in keys
	"chartRef" in keys
	finding := lib.finding(
		m, "flux.helmrelease-chart-source",
		"sets both spec.chart and spec.chartRef; Flux accepts exactly one",
	)
}

deny contains finding if {
	some m in helm_releases
	spec := object.get(m.object, "spec", {})
	keys := object.keys(spec)
	not "chart" in keys
	not "chartRef" in keys
	finding := lib.finding(
		m, "flux.helmrelease-chart-source",
		"sets neither spec.chart nor spec.chartRef, so it names no chart",
	)
}

# flux.chart-source-namespace
# Protects against a reference that breaks when the HelmRelease moves: without a namespace
# the source is looked up in the HelmRelease's own namespace, which a Kustomization's
# targetNamespace or a copy into another namespace silently changes.
deny contains finding if {
	some r in chart_references
	not r.ref.namespace
	finding := lib.finding(r.release, "flux.chart-source-namespace", concat("", [
		r.field, " names ", reference_kind(r), " ", lib.show(object.get(r.ref, "name", "")),
		" without a namespace; set ", r.field,
		".namespace so the reference resolves wherever the HelmRelease is applied",
	]))
}

# flux.namespace-local-refs
# Protects against a tree that fails on a multi-tenant Flux: controllers started with
# --no-cross-namespace-refs (fluxcd/flux2-multi-tenancy) refuse a HelmRelease chart source,
# a Kustomization sourceRef or a dependsOn entry in another namespace than the object's own.
# Valid without that lockdown, hence a warning.
warn contains finding if {
	some r in chart_references
	reference_namespace(r) != lib.namespace(r.release.object)
	finding := lib.finding(r.release, "flux.namespace-local-refs", cross_namespace_text(r.field, reference_namespace(r), r.release.object))
}

warn contains finding if {
	some m in flux_kustomizations
	some field, ref in kustomization_refs(m.object)
	ns := lib.text(object.get(ref, "namespace", lib.namespace(m.object)))
	ns != lib.namespace(m.object)
	finding := lib.finding(m, "flux.namespace-local-refs", cross_namespace_text(field, ns, m.object))
}

flux_kustomizations := lib.objects_of("kustomize.toolkit.fluxcd.io", "Kustomization")

kustomization_refs(obj) := refs if {
	source := {"spec.sourceRef": ref | ref := obj.spec.sourceRef; is_object(ref)}
	depends := {dependency_field(i): entry |
		some i, entry in object.get(obj, ["spec", "dependsOn"], [])
		is_object(entry)
	}
	refs := object.union(source, depends)
}

dependency_field(i) := concat("", ["spec.dependsOn[", format_int(i, 10), "]"])

cross_namespace_text(field, ns, obj) := concat("", [
	field, " points into namespace ", lib.show(ns), ", not the object's own (",
	lib.show(lib.namespace(obj)),
	"); a Flux locked down for multi-tenancy (--no-cross-namespace-refs) refuses it: keep the referenced object beside this one",
])

# flux.chart-source-present
# Protects against a renamed or forgotten source: a HelmRelease whose chart source is not in
# the manifest set waits forever (unless that source is managed elsewhere, hence a warning).
warn contains finding if {
	some r in chart_references
	count({m | some m in lib.manifests; references_source(r, m)}) == 0
	finding := lib.finding(r.release, "flux.chart-source-present", concat("", [
		r.field, " names ", reference_kind(r), " ", reference_namespace(r), "/",
		lib.text(object.get(r.ref, "name", "")),
		", which is not among these manifests; Flux waits until it exists",
	]))
}

# flux.helm-repository-oci-type
# Protects against a HelmRepository Flux cannot read: an oci:// URL needs spec.type "oci",
# otherwise Flux fetches it as an HTTP index.yaml and fails (and type "oci" needs oci://).
deny contains finding if {
	some m in helm_repositories
	url := object.get(m.object, ["spec", "url"], "")
	startswith(url, "oci://")
	repository_type := object.get(m.object, ["spec", "type"], "default")
	repository_type != "oci"
	finding := lib.finding(m, "flux.helm-repository-oci-type", concat("", [
		"spec.url is an oci:// URL but spec.type is ", lib.show(repository_type),
		"; set spec.type: oci, otherwise Flux fetches the URL as an HTTP index.yaml and fails",
	]))
}

deny contains finding if {
	some m in helm_repositories
	object.get(m.object, ["spec", "type"], "default") == "oci"
	url := object.get(m.object, ["spec", "url"], "")
	not startswith(url, "oci://")
	finding := lib.finding(m, "flux.helm-repository-oci-type", concat("", [
		"spec.type is oci but spec.url ", lib.show(url), " is not an oci:// URL",
	]))
}

# flux.oci-chart-layer-selector
# Protects against a chart source that does not hold a chart: an OCIRepository used as a
# HelmRelease chartRef must select the Helm chart layer and keep it as-is (copy); without the
# selector source-controller extracts whichever layer comes first.
deny contains finding if {
	some r in chart_references
	r.field == "spec.chartRef"
	some m in oci_repositories
	references_source(r, m)
	selector := object.get(m.object, ["spec", "layerSelector"], {})
	not chart_layer_selector(selector)
	finding := lib.finding(m, "flux.oci-chart-layer-selector", concat("", [
		"is the chart of HelmRelease ", lib.ref(r.release.object),
		" but spec.layerSelector is not {mediaType: ", helm_chart_media_type,
		", operation: copy}; without it source-controller extracts the first layer instead of keeping the chart archive",
	]))
}

chart_layer_selector(selector) if {
	selector.mediaType == helm_chart_media_type
	selector.operation == "copy"
}

# flux.plain-http-source
# Protects against charts and credentials sent in clear text: an http:// source can be read
# and tampered with on the way.
warn contains finding if {
	some m in url_sources
	url := object.get(m.object, ["spec", "url"], "")
	is_string(url)
	startswith(lower(url), "http://")
	finding := lib.finding(m, "flux.plain-http-source", concat("", [
		"spec.url ", lib.show(url),
		" uses plain http://, so the chart and any credentials travel unencrypted and can be tampered with; use https:// or oci://",
	]))
}

# flux.values-dotted-key
# Protects against settings the chart silently ignores: spec.values is a nested object, so
# "image.tag" is one literal key, not the path image -> tag as in `helm --set`.
warn contains finding if {
	some m in helm_releases
	values := object.get(m.object, ["spec", "values"], {})
	is_object(values)
	walk(values, [path, _])
	count(path) > 0
	key := path[count(path) - 1]
	is_string(key)
	regex.match(dotted_key_pattern, key)
	parent := array.slice(path, 0, count(path) - 1)
	finding := lib.finding(m, "flux.values-dotted-key", concat("", [
		"spec.values", values_path(parent), " has the key ", lib.show(key),
		", which Helm reads as one literal key, not as a path; nest it instead (", nested(key), ")",
	]))
}

# "image.tag" -> "image: {tag: ...}"
nested(key) := concat("", [concat(": {", parts), ": ...", closing]) if {
	parts := split(key, ".")
	closing := concat("", ["}" | some _ in numbers.range(1, count(parts) - 1)])
}

values_path(path) := concat("", [segment |
	some element in path
	segment := path_segment(element)
])

path_segment(element) := concat("", [".", element]) if {
	is_string(element)
} else := concat("", ["[", json.marshal(element), "]"])
