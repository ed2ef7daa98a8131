# Shared helpers of the wildside-valkey policy pack. No rules live here.
#
# Input: the manifest set in the shape `conftest test --combine` produces, so the same
# rules run unchanged in-process (regopy) and under conftest:
#
#   [{"path": "operator/helmrelease.yaml", "contents": <one document, or a list of them>}]
#
# A multi-document YAML file arrives as a list; empty documents (null) and anything that
# is not a Kubernetes object (kustomization.yaml, contract.json, plain data) are skipped.
package wildside_valkey.lib

import rego.v1

# True when the input has the combined shape. Without --combine, conftest hands each file
# to the rules on its own, and rules that compare objects across files would be blind.
combined_input if {
	is_array(input)
	every entry in input {
		is_object(entry)
		is_string(entry.path)
		"contents" in object.keys(entry)
	}
}

# Every Kubernetes object of the set, with the path of the file it came from.
# An array, not a set: rego-cpp keeps a set of objects ordered by comparing whole objects,
# which made this one rule take seconds for a few hundred manifests (quadratic). Entries
# are distinct anyway (no two documents share a path and a position).
manifests := array.concat(
	[{"path": entry.path, "object": doc} |
		combined_input
		some entry in input
		is_array(entry.contents)
		some doc in entry.contents
		kubernetes_object(doc)
	],
	[{"path": entry.path, "object": entry.contents} |
		combined_input
		some entry in input
		kubernetes_object(entry.contents)
	],
)

kubernetes_object(doc) if {
	is_object(doc)
	is_string(doc.apiVersion)
	is_string(doc.kind)
}

# The API group of an apiVersion: "" for the core group ("v1").
api_group(api_version) := parts[0] if {
	parts := split(api_version, "/")
	count(parts) == 2
} else := ""

# The manifests of one kind in one API group, whatever the version: rules check the version
# themselves where it matters, so an old version is reported rather than silently skipped.
objects_of(group, kind) := [m |
	some m in manifests
	m.object.kind == kind
	api_group(m.object.apiVersion) == group
]

valkeys := objects_of("hyperspike.io", "Valkey")

# Messages are built with concat only, never sprintf: rego-cpp (regopy) quotes strings that
# come from other built-ins when they pass through sprintf's %s and %v, and OPA does not, so
# sprintf would print different messages in-process and under conftest.

# A value as text: strings as they are, anything else as JSON.
text(value) := value if {
	is_string(value)
} else := json.marshal(value)

# A value for "got ..." in messages: strings in double quotes, anything else as JSON.
# Strings are not passed to json.marshal, which in OPA (Go) escapes <, > and & as \u003c...
show(value) := concat("", ["\"", value, "\""]) if {
	is_string(value)
} else := json.marshal(value)

name(obj) := text(object.get(obj, ["metadata", "name"], ""))

namespace(obj) := text(object.get(obj, ["metadata", "namespace"], ""))

# "namespace/name", or just "name" for an object without a namespace.
ref(obj) := concat("/", [namespace(obj), name(obj)]) if {
	namespace(obj) != ""
} else := name(obj)

# How a message names an object: "<file>: <Kind> <namespace>/<name>".
where(m) := concat("", [m.path, ": ", text(m.object.kind), " ", ref(m.object)])

# A result in the form conftest understands: "msg" is printed, the other keys are metadata
# (shown by `conftest --output json`) and become the typed fields of a Python Finding.
finding(m, rule, message) := {
	"msg": concat(": ", [where(m), message]),
	"rule": rule,
	"file": m.path,
	"kind": text(m.object.kind),
	"namespace": namespace(m.object),
	"name": name(m.object),
}

# The folder of a file path ("" for a file at the top).
directory(path) := concat("/", array.slice(parts, 0, count(parts) - 1)) if {
	parts := split(path, "/")
}

# A folder as it reads in messages.
shown_directory(path) := "." if {
	directory(path) == ""
} else := directory(path)

# The non-empty segments of a slash-separated path, without "." segments.
segments(path) := [s |
	some s in split(path, "/")
	s != ""
	s != "."
]

# Keys of a map listed in messages: sorted, so messages are stable.
sorted_keys(obj) := concat(", ", sort(object.keys(obj)))
