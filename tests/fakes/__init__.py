"""Test doubles for apply mode: a fake Kubernetes API server and a `helm` stand-in.

Nothing is imported here on purpose: the `helm` stand-in runs as a separate
process that imports `tests.fakes.helm_cli` with only the standard library, so
this package must stay cheap to import.
"""
