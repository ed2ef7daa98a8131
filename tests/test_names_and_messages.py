"""Names Kubernetes will accept, and messages without Python in them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import command_path
from wildside_valkey.errors import VariablesError
from wildside_valkey.inputs import load_variables


def _problems(*options: str) -> list[str]:
    with pytest.raises(VariablesError) as failed:
        load_variables(var_options=list(options))
    return [str(problem) for problem in failed.value.problems]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # A Service name is a DNS-1035 label: it starts with a letter.
        (("cluster_name=1cache",), 'variable "cluster_name": must start with a letter'),
        # The StatefulSet's pods need N-<hash> within 63 characters.
        (("cluster_name=" + "a" * 53,), "the Service and StatefulSet"),
        (
            (
                "cluster_name=" + "a" * 51,
                "external_access_enabled=true",
                "external_access_type=loadbalancer",
                "nodes=120",
            ),
            "per-shard Service '" + "a" * 51 + "-external-119' (64 characters)",
        ),
        (
            (
                "cluster_name=" + "a" * 50,
                "namespace=" + "b" * 63,
                "cluster_domain=" + ".".join(["c" * 60, "c" * 60, "c" * 18]),
            ),
            "DNS names allow 253",
        ),
        # Each DNS label is at most 63 characters (RFC 1035), the whole name 253.
        (
            ("cluster_domain=" + "a" * 70 + ".local",),
            "variable \"cluster_domain\": must be a DNS name such as 'cluster.local', each label "
            "(the text between dots) at most 63 characters (got a label of 70)",
        ),
        (
            ("cluster_domain=svc." + "b" * 64,),
            "at most 63 characters (got a label of 64)",
        ),
        (("image=Valkey/Valkey:8",), 'variable "image": must be a container image reference'),
        (("exporter_image=a b",), 'variable "exporter_image": must be a container image'),
        (("chart_name=a/b",), 'variable "chart_name": must be a Helm chart name'),
        (("chart_name=",), 'variable "chart_name": must not be blank'),
        (("cert_issuer_name=Bad_Issuer",), 'variable "cert_issuer_name": must be a DNS-1123'),
        (("flux_path_prefix=../elsewhere",), 'variable "flux_path_prefix": must be a path'),
        (("flux_path_prefix=/abs",), 'variable "flux_path_prefix": must be a path'),
        (("storage_size=1e99999999",), "larger than a Kubernetes quantity can hold"),
        (("storage_size=99999999999999999999E",), "larger than a Kubernetes quantity can hold"),
        (("nodes=null",), 'variable "nodes": must be a whole number (got null)'),
        (('node_selector={"a" = null}',), 'variable "node_selector["a"]": must be a string'),
    ],
)
def test_bad_names_and_values(options: tuple[str, ...], expected: str) -> None:
    problems = _problems(*options)
    assert any(expected in problem for problem in problems), problems
    assert not any("None" in p or "{'" in p or "b'" in p for p in problems), problems


@pytest.mark.parametrize(
    "option",
    [
        "cluster_name=" + "a" * 52,
        "cluster_domain=" + "c" * 63 + ".example.org",
        "image=ghcr.io:443/valkey-io/valkey:8.1.1@sha256:" + "0" * 64,
        "flux_path_prefix=./clusters/prod/valkey",
        "chart_name=valkey_operator.v2",
        "cert_issuer_name=letsencrypt.prod",
    ],
)
def test_good_names_pass(option: str) -> None:
    load_variables(var_options=[option])


def test_a_deleted_working_folder_is_bad_input(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    process = subprocess.run(
        ["/bin/sh", "-c", f'cd "{gone}" && rmdir "{gone}" && exec "{command_path()}" render'],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=os.environ,
    )
    assert process.returncode == 2, process.stderr
    assert process.stderr == (
        "error: the current folder no longer exists (it was deleted or moved); cd to an "
        "existing folder and run again\n"
    )
