"""The end-to-end cluster: real etcd, kube-apiserver, kube-controller-manager and
kube-scheduler built from the Go modules under e2e/, kwok for the kubelet, a chart
server and the operator stand-in. `python -m tests.e2e.harness up|down|status|build`
(`make cluster`, `make cluster-down`). docs/development.md describes it.
"""
