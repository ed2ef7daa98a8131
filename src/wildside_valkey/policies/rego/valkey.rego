# Valkey resources (hyperspike.io/v1, kind Valkey): settings the operator would reject,
# silently ignore, or run insecurely.
package wildside_valkey.valkey

import rego.v1

import data.wildside_valkey.lib

external_access_types := {"LoadBalancer", "Proxy"}

# The fields of a PersistentVolumeClaim, which is what spec.storage is.
claim_fields := {"apiVersion", "kind", "metadata", "spec", "status"}

spec(m) := object.get(m.object, "spec", {})

# valkey.nodes-minimum
# Protects against a cluster without shards: every node is a shard primary, so fewer than
# one (or a fraction, or a string) leaves nothing to serve. Absent means the CRD default, 3.
deny contains finding if {
	some m in lib.valkeys
	"nodes" in object.keys(spec(m))
	not whole_number_at_least(spec(m).nodes, 1)
	finding := lib.finding(m, "valkey.nodes-minimum", concat("", [
		"spec.nodes must be a whole number of at least 1 (each node is a shard primary), got ",
		lib.show(spec(m).nodes),
	]))
}

whole_number_at_least(value, minimum) if {
	is_number(value)
	floor(value) == value
	value >= minimum
}

# valkey.tls-boolean
# Protects against a TLS switch the API server rejects: spec.tls is a boolean, and a quoted
# "true" (a common slip from templating) fails validation.
deny contains finding if {
	some m in lib.valkeys
	"tls" in object.keys(spec(m))
	not is_boolean(spec(m).tls)
	finding := lib.finding(m, "valkey.tls-boolean", concat("", [
		"spec.tls must be a boolean (true or false, unquoted), got the ", type_name(spec(m).tls),
		" ", lib.show(spec(m).tls),
	]))
}

# valkey.tls-cert-issuer
# Protects against TLS that never comes up: the operator asks cert-manager for the
# certificate through spec.certIssuer, and without it no certificate (and no server) appears.
deny contains finding if {
	some m in lib.valkeys
	spec(m).tls == true
	not non_blank(object.get(spec(m), "certIssuer", ""))
	finding := lib.finding(
		m, "valkey.tls-cert-issuer",
		"spec.tls is true but spec.certIssuer is not set; the operator needs a cert-manager issuer to request the server certificate",
	)
}

non_blank(value) if {
	is_string(value)
	trim_space(value) != ""
}

# valkey.storage-required
# Protects against a cluster that never forms: the operator's StatefulSet always has a volume
# claim template, and from the second reconcile on a Valkey without spec.storage stops at
# "storage has been removed but cannot be updated in a statefuleset" (valkey-operator v0.0.61,
# internal/controller/valkey_controller.go:2644), before the cluster is formed.
deny contains finding if {
	some m in lib.valkeys
	not is_object(object.get(spec(m), "storage", null))
	finding := lib.finding(
		m, "valkey.storage-required",
		"spec.storage is not set: the operator then refuses to reconcile the cluster (\"storage has been removed but cannot be updated\") and it never becomes ready; set spec.storage.spec (size, class, access modes)",
	)
}

# valkey.storage-under-spec
# Protects against storage settings that are silently dropped: spec.storage is a whole
# PersistentVolumeClaim, so fields such as storage.size are pruned by the API server and the
# operator falls back to its default claim.
deny contains finding if {
	some m in lib.valkeys
	storage := object.get(spec(m), "storage", {})
	is_object(storage)
	some field in object.keys(storage)
	not field in claim_fields
	finding := lib.finding(m, "valkey.storage-under-spec", concat("", [
		"spec.storage.", field,
		" is not a PersistentVolumeClaim field, so the API server prunes it; put the size under spec.storage.spec.resources.requests.storage and the class under spec.storage.spec.storageClassName",
	]))
}

# valkey.storage-size-and-class
# Protects against a disk that is not the one asked for: without a size the claim has no
# request, and without a class it lands on the cluster's default StorageClass.
deny contains finding if {
	some m in lib.valkeys
	storage := object.get(spec(m), "storage", null)
	is_object(storage)
	not non_blank(object.get(storage, ["spec", "resources", "requests", "storage"], ""))
	finding := lib.finding(
		m, "valkey.storage-size-and-class",
		"spec.storage.spec.resources.requests.storage is not set, so the volume claim asks for no size",
	)
}

deny contains finding if {
	some m in lib.valkeys
	storage := object.get(spec(m), "storage", null)
	is_object(storage)
	not non_blank(object.get(storage, ["spec", "storageClassName"], ""))
	finding := lib.finding(
		m, "valkey.storage-size-and-class",
		"spec.storage.spec.storageClassName is not set, so the volume claim lands on the cluster's default StorageClass",
	)
}

# valkey.external-access-type
# Protects against an external access block the API server rejects: the CRD's enum is
# exactly LoadBalancer or Proxy, capitalised so.
deny contains finding if {
	some m in lib.valkeys
	access := object.get(spec(m), "externalAccess", null)
	is_object(access)
	access_type := object.get(access, "type", null)
	not access_type in external_access_types
	finding := lib.finding(m, "valkey.external-access-type", concat("", [
		"spec.externalAccess.type must be LoadBalancer or Proxy (capitalised exactly so), got ",
		lib.show(access_type),
	]))
}

# valkey.proxy-settings
# Protects against a controller that crashes on every reconcile: with externalAccess.type
# Proxy and tls true, the operator reads spec.externalAccess.proxy.hostname without checking
# that proxy is set (valkey-operator v0.0.61, internal/controller/valkey_controller.go:1049,
# upsertProxyCertificate).
deny contains finding if {
	some m in lib.valkeys
	object.get(spec(m), "tls", false) == true
	access := object.get(spec(m), "externalAccess", null)
	is_object(access)
	object.get(access, "enabled", false) == true
	object.get(access, "type", null) == "Proxy"
	not is_object(object.get(access, "proxy", null))
	finding := lib.finding(
		m, "valkey.proxy-settings",
		"spec.externalAccess.type is Proxy with tls: true but spec.externalAccess.proxy is not set: the operator crashes on every reconcile reading proxy.hostname; set spec.externalAccess.proxy (replicas, and hostname for the certificate)",
	)
}

# valkey.service-password-secret
# Protects against a cluster that never starts: with spec.servicePassword the operator
# reads that Secret and reports errors until it exists, so the same manifest set must create
# it (a Secret, or an ExternalSecret whose target it is) in the Valkey's namespace.
deny contains finding if {
	some m in lib.valkeys
	password := object.get(spec(m), "servicePassword", null)
	password != null
	secret_name := object.get(password, "name", "")
	not non_blank(secret_name)
	finding := lib.finding(
		m, "valkey.service-password-secret",
		"spec.servicePassword names no Secret; set spec.servicePassword.name, or remove servicePassword to let the operator generate a password",
	)
}

deny contains finding if {
	some m in lib.valkeys
	secret_name := spec(m).servicePassword.name
	non_blank(secret_name)
	namespace := lib.namespace(m.object)
	not [namespace, secret_name] in secret_producers
	finding := lib.finding(m, "valkey.service-password-secret", concat("", [
		"spec.servicePassword names Secret ", lib.show(secret_name),
		", but no Secret or ExternalSecret in these manifests creates it in namespace ",
		lib.show(namespace), "; the operator reports errors until it exists",
	]))
}

# [namespace, name] of every Secret the manifest set creates, directly or through ESO, or
# that a Valkey declares as existing (password_existing_secret: the user creates it).
secret_producers contains [lib.namespace(m.object), lib.name(m.object)] if {
	some m in lib.objects_of("", "Secret")
}

secret_producers contains [lib.namespace(m.object), declared] if {
	some m in lib.valkeys
	declared := object.get(m.object, ["metadata", "annotations", "wildside-valkey.io/existing-password-secret"], "")
	non_blank(declared)
}

secret_producers contains [lib.namespace(m.object), target] if {
	some m in lib.objects_of("external-secrets.io", "ExternalSecret")
	target := object.get(m.object, ["spec", "target", "name"], lib.name(m.object))
	# "Merge" and "None" write into a Secret that must already exist; they create nothing.
	not object.get(m.object, ["spec", "target", "creationPolicy"], "Owner") in {"Merge", "None"}
}

# valkey.anonymous-replicas
# Protects against an open, replicated data set: with anonymous auth anyone who can reach a
# pod can read and write, and every replica is one more copy open the same way.
warn contains finding if {
	some m in lib.valkeys
	spec(m).anonymousAuth == true
	replicas := object.get(spec(m), "replicas", 0)
	is_number(replicas)
	replicas > 0
	finding := lib.finding(m, "valkey.anonymous-replicas", concat("", [
		"spec.anonymousAuth is true with ", lib.show(replicas),
		" replicas per shard: anyone who can reach the pods can read and write every copy of the data; set anonymousAuth: false",
	]))
}

# valkey.anonymous-isolated
# Protects against an open data set on a shared cluster: with anonymous auth every pod that can
# reach the Valkey pods reads and writes, and on a cluster shared by previews that is every pod
# of every preview unless a NetworkPolicy in the same namespace selects the pods and restricts
# ingress (network_policy_enabled renders one).
warn contains finding if {
	some m in lib.valkeys
	spec(m).anonymousAuth == true
	not isolated(m)
	finding := lib.finding(m, "valkey.anonymous-isolated", concat("", [
		"spec.anonymousAuth is true and no NetworkPolicy in namespace ", lib.show(namespace_of(m.object)),
		" restricts ingress to its pods: every pod on the cluster can read and write; set network_policy_enabled = true (or anonymous_auth = false)",
	]))
}

namespace_of(obj) := object.get(object.get(obj, "metadata", {}), "namespace", "")

# The labels the operator puts on the pods of a Valkey (v0.0.61 labels()): a copy of the
# resource's own labels plus name, instance and component.
valkey_pod_labels(obj) := object.union(object.get(obj.metadata, "labels", {}), {
	"app.kubernetes.io/name": "valkey",
	"app.kubernetes.io/instance": obj.metadata.name,
	"app.kubernetes.io/component": "valkey",
})

isolated(m) if {
	some p in lib.objects_of("networking.k8s.io", "NetworkPolicy")
	namespace_of(p.object) == namespace_of(m.object)
	restricts_ingress(p.object)
	selects(object.get(p.object.spec, "podSelector", {}), valkey_pod_labels(m.object))
}

restricts_ingress(policy) if {
	types := object.get(policy.spec, "policyTypes", ["Ingress"])
	"Ingress" in types
	every rule in object.get(policy.spec, "ingress", []) {
		count(object.keys(rule)) > 0 # an empty rule admits everything
	}
}

selects(selector, labels) if {
	count(object.get(selector, "matchExpressions", [])) == 0
	every key, value in object.get(selector, "matchLabels", {}) {
		object.get(labels, key, null) == value
	}
}

# valkey.replicas-without-tls
# Protects against data copied in clear text: replication streams every write between pods,
# readable by anything on the pod network unless TLS is on.
warn contains finding if {
	some m in lib.valkeys
	replicas := object.get(spec(m), "replicas", 0)
	is_number(replicas)
	replicas > 0
	object.get(spec(m), "tls", false) != true
	finding := lib.finding(m, "valkey.replicas-without-tls", concat("", [
		"spec.replicas is ", lib.show(replicas),
		" but spec.tls is not true, so replication copies every write between pods unencrypted; enable TLS (tls_enabled) or accept the risk",
	]))
}
