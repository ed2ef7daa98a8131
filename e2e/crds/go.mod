// CRDs of the controllers the operator talks to, read from their modules at the
// versions pinned here (go.sum holds each module's hash): cert-manager v1.19.0 is
// valkey-operator v0.0.61's own pin; its prometheus-operator pin (v0.86.0) is not
// served by the module proxy, so v0.85.0, the release before it, stands in. No Go
// code is built from this module; the harness installs
// deploy/crds/cert-manager.io_certificates.yaml and
// example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml.
module wildside-valkey/e2e/crds

go 1.24.0

require (
	github.com/cert-manager/cert-manager v1.19.0
	github.com/prometheus-operator/prometheus-operator v0.85.0
)
