# Ordering: the operator (and with it the Valkey CRD) must be installed before any Valkey
# resource is applied.
#
# Folders stand for what one Flux Kustomization applies. A Flux Kustomization is matched to
# the folder of a file by the longest common tail of its spec.path and the folder (so
# "./platform/valkey/cluster" matches "cluster" and "build/cluster"); ties match nothing.
package wildside_valkey.ordering

import rego.v1

import data.wildside_valkey.lib

flux_kustomizations := [m |
	some m in lib.objects_of("kustomize.toolkit.fluxcd.io", "Kustomization")
]

# HelmReleases that install the operator: the chart, or the URL of the OCIRepository a
# chartRef names, mentions "valkey-operator".
operator_releases contains m if {
	some m in lib.objects_of("helm.toolkit.fluxcd.io", "HelmRelease")
	contains(object.get(m.object, ["spec", "chart", "spec", "chart"], ""), "valkey-operator")
}

operator_releases contains m if {
	some m in lib.objects_of("helm.toolkit.fluxcd.io", "HelmRelease")
	ref := m.object.spec.chartRef
	some source in lib.objects_of("source.toolkit.fluxcd.io", object.get(ref, "kind", ""))
	lib.name(source.object) == object.get(ref, "name", "")
	lib.namespace(source.object) == object.get(ref, "namespace", lib.namespace(m.object))
	contains(object.get(source.object, ["spec", "url"], ""), "valkey-operator")
}

# How many trailing segments two paths share.
common_tail(a, b) := max({n |
	some n in numbers.range(0, min([count(a), count(b)]))
	array.slice(a, count(a) - n, count(a)) == array.slice(b, count(b) - n, count(b))
})

kustomization_path(k) := lib.segments(object.get(k.object, ["spec", "path"], ""))

# The one Flux Kustomization that applies the folder of a file, when there is exactly one.
# Matching goes through an index of path tails instead of scoring every Kustomization per
# file, which was quadratic (a 1,000-environment tree took minutes). A Kustomization
# scores n against a folder when the folder's last n segments end its spec.path; the best
# n is the longest tail of the folder that ends some spec.path, and the winner is the one
# Kustomization whose path ends so: a tail shared by two of them matches nothing (a tie).
kustomization_for(path) := tail_owner[best] if {
	folder := lib.segments(lib.directory(path))
	count(folder) > 0
	matches := [n |
		some n in numbers.range(1, count(folder))
		tail(folder, n) in known_tails
	]
	count(matches) > 0
	best := tail(folder, max(matches))
}

# The last n segments of a path, joined.
tail(segments, n) := concat("/", array.slice(segments, count(segments) - n, count(segments)))

kustomization_tails(k) := [tail(p, n) |
	p := kustomization_path(k)
	count(p) > 0
	some n in numbers.range(1, count(p))
]

# Every tail of every spec.path, sorted so that a tail two Kustomizations share is adjacent.
all_tails := sort([t | some k in flux_kustomizations; some t in kustomization_tails(k)])

known_tails := {t | some t in all_tails}

shared_tails := {all_tails[i] |
	count(all_tails) > 1
	some i in numbers.range(1, count(all_tails) - 1)
	all_tails[i] == all_tails[i - 1]
}

tail_owner := {t: k |
	some k in flux_kustomizations
	some t in kustomization_tails(k)
	not t in shared_tails
}

kustomization_key(k) := concat("/", [lib.namespace(k.object), lib.name(k.object)])

# spec.dependsOn between Flux Kustomizations; an entry without namespace means the
# Kustomization's own namespace.
dependency_graph := {kustomization_key(k): dependencies(k) | some k in flux_kustomizations}

dependencies(k) := {dependency |
	some entry in object.get(k.object, ["spec", "dependsOn"], [])
	dependency := concat("/", [lib.text(object.get(entry, "namespace", lib.namespace(k.object))), lib.text(entry.name)])
}

depends_on(later, earlier) if {
	kustomization_key(earlier) in graph.reachable(dependency_graph, {kustomization_key(later)})
}

# ordering.operator-and-cluster-same-folder
# Protects against a tree that never converges: a Flux Kustomization applying both the
# operator's HelmRelease and a Valkey fails its server-side dry-run because the Valkey CRD
# does not exist yet, and then never applies the HelmRelease that would install it.
deny contains finding if {
	some valkey in lib.valkeys
	some release in operator_releases
	lib.directory(valkey.path) == lib.directory(release.path)
	finding := lib.finding(valkey, "ordering.operator-and-cluster-same-folder", concat("", [
		"is in the same folder (", lib.shown_directory(valkey.path), ") as HelmRelease ",
		lib.ref(release.object), " (", release.path,
		"), which installs the operator and the Valkey CRD; a Kustomization applying both fails its dry-run before the CRD exists and never applies the HelmRelease. Move the Valkey to its own folder, applied by a Kustomization that dependsOn the operator's",
	]))
}

# ordering.cluster-after-operator
# Protects against applying a Valkey before its CRD exists: the Kustomization that applies
# the Valkey must depend (directly or through others) on the one that applies the operator.
deny contains finding if {
	some valkey in lib.valkeys
	some release in operator_releases
	lib.directory(valkey.path) != lib.directory(release.path)
	cluster := kustomization_for(valkey.path)
	operator := kustomization_for(release.path)
	cluster != operator
	not depends_on(cluster, operator)
	finding := lib.finding(cluster, "ordering.cluster-after-operator", concat("", [
		"applies Valkey ", lib.ref(valkey.object), " (", valkey.path,
		") but does not depend on Kustomization ", lib.ref(operator.object),
		", which applies the operator's HelmRelease ", lib.ref(release.object), " (", release.path,
		"); add it to spec.dependsOn so the Valkey CRD exists before this Kustomization's dry-run",
	]))
}

# ordering.operator-wait
# Protects against dependents that start too early: dependsOn waits for the operator's
# Kustomization to be Ready, which without spec.wait (or health checks) happens as soon as
# the HelmRelease object is applied, before the chart and its CRD are installed.
warn contains finding if {
	some release in operator_releases
	operator := kustomization_for(release.path)
	object.get(operator.object, ["spec", "wait"], false) != true
	count(object.get(operator.object, ["spec", "healthChecks"], [])) == 0
	finding := lib.finding(operator, "ordering.operator-wait", concat("", [
		"applies the operator's HelmRelease ", lib.ref(release.object), " (", release.path,
		") but sets neither spec.wait: true nor spec.healthChecks, so Kustomizations that depend on it start before the operator and its CRD are installed",
	]))
}
