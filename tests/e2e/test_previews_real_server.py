"""Previews on a shared cluster: `apply --each` of 20, `list`, `destroy --expired`, with the
real controllers making and removing what each preview holds."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Product, clean_up
from tests.e2e.harness import cluster
from tests.e2e.harness.kube import Kube, wait_for

COUNT = 20


@pytest.fixture
def previews(kube: Kube, tmp_path: Path) -> Iterator[Path]:
    run = secrets.token_hex(2)
    # Every fourth preview lives one second; the others three days or for ever.
    entries = [
        {
            "cluster_name": f"pr-{i}",
            "namespace": f"e2e-{run}-pr-{i}",
            **({"ttl": "1s"} if i % 4 == 0 else {"ttl": "72h"} if i % 2 else {}),
        }
        for i in range(COUNT)
    ]
    each = tmp_path / "previews.yaml"
    each.write_text(yaml.safe_dump(entries))
    yield each
    clean_up(kube, [str(entry["namespace"]) for entry in entries])


def test_twenty_previews_apply_list_and_expire(
    product: Product, e2e_cluster: cluster.State, previews: Path, kube: Kube
) -> None:
    tfvars = str(e2e_cluster.tfvars)
    entries = yaml.safe_load(previews.read_text())

    applied = product.ok("apply", "--var-file", tfvars, "--each", str(previews))

    contracts = json.loads(applied.stdout)
    assert sorted(contracts) == sorted(f"{e['namespace']}/{e['cluster_name']}" for e in entries)
    assert f"{COUNT} of {COUNT} previews succeeded" in applied.stderr
    for entry in entries:
        sts = kube.get(
            f"/apis/apps/v1/namespaces/{entry['namespace']}/statefulsets/{entry['cluster_name']}"
        )
        assert sts is not None
        assert sts["status"]["readyReplicas"] == 1

    time.sleep(1.5)  # the one-second previews run out
    table = product.ok("list").stdout
    expired = sorted(e["cluster_name"] for e in entries if e.get("ttl") == "1s")
    marked = sorted(
        line.split()[1] for line in table.splitlines() if "(expired)" in line and "-pr-" in line
    )
    assert marked == expired, table

    dry = product.ok("destroy", "--var-file", tfvars, "--expired", "--dry-run")
    assert f"{len(expired)} expired previews; nothing deleted (dry run)" in dry.stdout + dry.stderr

    destroyed = product.ok("destroy", "--var-file", tfvars, "--expired", "--auto-approve")
    assert "kept the operator release" in destroyed.stdout + destroyed.stderr
    for entry in entries:
        namespace = f"/api/v1/namespaces/{entry['namespace']}"
        if entry.get("ttl") == "1s":
            wait_for(f"{namespace} to go", partial(kube.absent, namespace), timeout=120)
        else:
            assert kube.get(namespace) is not None
