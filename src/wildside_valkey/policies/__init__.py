"""The wildside-valkey Rego v1 policy pack and its in-process engine.

The pack (``rego/*.rego``, shipped inside this package) checks a rendered Flux GitOps tree:
pinned chart versions and resolvable chart sources (``wildside_valkey.flux``), Valkey
resources the operator accepts (``wildside_valkey.valkey``), secrets in Git, duplicate
PodDisruptionBudgets and External Secrets use (``wildside_valkey.safety``), and the order
in which the operator and the Valkey resources are applied (``wildside_valkey.ordering``).
See ``docs/policies.md`` in the repository for every rule.

Input document (the shape of ``conftest test --combine``, so the rules run unchanged under
conftest)::

    [
      {"path": "operator/helmrelease.yaml", "contents": [{"apiVersion": ..., ...}]},
      {"path": "cluster/valkey.yaml", "contents": {"apiVersion": ..., ...}},
    ]

``contents`` is one document or a list of them (a multi-document file); documents that are
not Kubernetes objects are ignored. Each rule returns ``{"msg", "rule", "file", "kind",
"namespace", "name"}``, which conftest prints as a message with metadata and
:func:`evaluate_files` turns into a typed :class:`Finding`.

Entry points: :func:`evaluate_paths` (files and folders), :func:`evaluate_manifests`
(in-memory: relative path -> documents, for the render step), :func:`format_report`
(text or JSON), and :meth:`Report.raise_for_denials` (raises ``PolicyDenied``, exit 1).
"""

from .engine import compiled_pack, evaluate_files, evaluate_manifests, evaluate_paths
from .model import Finding, Report, Severity
from .pack import write_pack
from .report import format_report

__all__ = [
    "Finding",
    "Report",
    "Severity",
    "compiled_pack",
    "evaluate_files",
    "evaluate_manifests",
    "evaluate_paths",
    "format_report",
    "write_pack",
]
