# Safety: secrets in Git, PodDisruptionBudgets that block node drains, External Secrets
# Operator API use, and the shape of the input itself.
package wildside_valkey.safety

import rego.v1

import data.wildside_valkey.lib

allow_plaintext_annotation := "wildside-valkey.io/allow-plaintext-secret"

secret_store_kinds := {"ClusterSecretStore", "SecretStore"}

# The labels the operator puts on the pods of a Valkey named N: the CR's own labels plus
# these three. Its own PodDisruptionBudget selects exactly these pods.
operator_pod_labels(m) := object.union(
	object.get(m.object, ["metadata", "labels"], {}),
	{
		"app.kubernetes.io/name": "valkey",
		"app.kubernetes.io/instance": lib.name(m.object),
		"app.kubernetes.io/component": "valkey",
	},
)

# safety.combined-input
# Protects against a silent pass: without `conftest test --combine` each file is checked on
# its own, and the rules that look across files (secrets, PDBs, ordering) see nothing.
deny contains {
	"msg": "the input is not a list of {path, contents} entries: run conftest with --combine",
	"rule": "safety.combined-input",
	"file": "",
	"kind": "",
	"namespace": "",
	"name": "",
} if {
	not lib.combined_input
}

# safety.plaintext-secret
# Protects against credentials readable by anyone with access to the repository: a Secret
# with literal data or stringData in a GitOps tree is plain text in Git history forever.
# SOPS-encrypted Secrets (a top-level "sops" key) are not plain text and pass. The opt-in
# annotation turns the denial into a warning for users who accept the risk; render sets it
# when the variable allow_plaintext_secrets is true, which is what its users change.
deny contains finding if {
	some m in plaintext_secrets
	not allowed_plaintext(m.object)
	finding := lib.finding(m, "safety.plaintext-secret", concat("", [
		"holds literal data (keys: ", secret_keys(m.object),
		") in a GitOps tree, where anyone who can read the repository can read it; use an ExternalSecret (eso_enabled = true) or SOPS, or accept the risk: set allow_plaintext_secrets = true (render then annotates the Secret ",
		allow_plaintext_annotation, ": \"true\"; annotate a Secret of your own so)",
	]))
}

warn contains finding if {
	some m in plaintext_secrets
	allowed_plaintext(m.object)
	finding := lib.finding(m, "safety.plaintext-secret", concat("", [
		"PLAINTEXT SECRET IN GIT: holds literal data (keys: ", secret_keys(m.object),
		") that anyone who can read the repository can read; allowed only because of the ",
		allow_plaintext_annotation, " annotation",
	]))
}

plaintext_secrets contains m if {
	some m in lib.objects_of("", "Secret")
	not "sops" in object.keys(m.object)
	secret_keys(m.object) != ""
}

# The keys (never the values) of data and stringData, for messages.
secret_keys(obj) := concat(", ", sort({key |
	some field in ["data", "stringData"]
	entries := object.get(obj, field, {})
	is_object(entries)
	some key in object.keys(entries)
}))

allowed_plaintext(obj) if {
	object.get(obj, ["metadata", "annotations", allow_plaintext_annotation], "") == "true"
}

# safety.duplicate-pdb
# Protects against blocked node drains: the operator already gives every Valkey its own
# PodDisruptionBudget (named after it), and the eviction API refuses to evict a pod covered
# by more than one, so `kubectl drain` and node upgrades hang.
warn contains finding if {
	some pdb in lib.objects_of("policy", "PodDisruptionBudget")
	selector := object.get(pdb.object, ["spec", "selector"], null)
	is_object(selector)
	some valkey in lib.valkeys
	lib.namespace(valkey.object) == lib.namespace(pdb.object)
	selects(selector, operator_pod_labels(valkey))
	finding := lib.finding(pdb, "safety.duplicate-pdb", concat("", [
		"selects the pods of Valkey ", lib.ref(valkey.object),
		", which the operator already covers with its own PodDisruptionBudget ",
		lib.show(lib.name(valkey.object)),
		"; with more than one PodDisruptionBudget per pod the eviction API refuses evictions, which blocks kubectl drain and node upgrades (set pdb_enabled = false)",
	]))
}

# A label selector (matchLabels and matchExpressions) matches a set of labels.
selects(selector, labels) if {
	every key, value in object.get(selector, "matchLabels", {}) {
		labels[key] == value
	}
	every expression in object.get(selector, "matchExpressions", []) {
		matches_expression(expression, labels)
	}
}

matches_expression(expression, labels) if {
	expression.operator == "In"
	labels[expression.key] in expression.values
}

matches_expression(expression, labels) if {
	expression.operator == "NotIn"
	not labels[expression.key] in expression.values
}

matches_expression(expression, labels) if {
	expression.operator == "Exists"
	expression.key in object.keys(labels)
}

matches_expression(expression, labels) if {
	expression.operator == "DoesNotExist"
	not expression.key in object.keys(labels)
}

external_secrets := lib.objects_of("external-secrets.io", "ExternalSecret")

# safety.external-secret-api-version
# Protects against an ExternalSecret the cluster cannot accept: External Secrets Operator
# serves only external-secrets.io/v1 (v1beta1 is no longer served since v0.17).
deny contains finding if {
	some m in external_secrets
	m.object.apiVersion != "external-secrets.io/v1"
	finding := lib.finding(m, "safety.external-secret-api-version", concat("", [
		"uses apiVersion ", lib.show(m.object.apiVersion),
		", which External Secrets Operator no longer serves; use external-secrets.io/v1",
	]))
}

# safety.external-secret-store
# Protects against an ExternalSecret that never syncs: it must name its store, and the
# store's kind must be ClusterSecretStore or SecretStore.
deny contains finding if {
	some m in external_secrets
	store := object.get(m.object, ["spec", "secretStoreRef"], null)
	not is_object(store)
	finding := lib.finding(
		m, "safety.external-secret-store",
		"spec.secretStoreRef is not set, so the ExternalSecret names no store to read from",
	)
}

deny contains finding if {
	some m in external_secrets
	store := m.object.spec.secretStoreRef
	is_object(store)
	store_kind := object.get(store, "kind", "SecretStore")
	not store_kind in secret_store_kinds
	finding := lib.finding(m, "safety.external-secret-store", concat("", [
		"spec.secretStoreRef.kind must be ClusterSecretStore or SecretStore, got ",
		lib.show(store_kind),
	]))
}

deny contains finding if {
	some m in external_secrets
	store := m.object.spec.secretStoreRef
	is_object(store)
	not is_string(store.name)
	finding := lib.finding(
		m, "safety.external-secret-store",
		"spec.secretStoreRef.name is not set, so the ExternalSecret names no store to read from",
	)
}
