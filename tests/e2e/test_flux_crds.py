"""The Flux controllers the GitOps tests run are the versions the offline checks assume.

tests/data/crds carries the structural schemas of Flux's CRDs (descriptions dropped)
that every render is validated against without a cluster. The controllers built from
e2e/flux-*/go.mod install their own CRDs: extracted the same way, they must be those
schemas, or the offline checks and the running Flux would judge a tree differently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cases.harness import extraction_script
from tests.e2e.harness.objects import CRD_DIR, flux_crd_files

CARRIED = sorted(path for path in CRD_DIR.glob("*.yaml") if "fluxcd.io" in path.name)


def _spec(crd: dict[str, Any]) -> Any:
    return crd["spec"]


@pytest.mark.parametrize("carried", CARRIED, ids=lambda path: path.name)
def test_the_running_flux_serves_the_schemas_the_offline_checks_use(carried: Path) -> None:
    extraction = extraction_script()
    built = {path.name: path for path in flux_crd_files()}
    assert carried.name in built, f"no Flux module pinned under e2e/ has {carried.name}"
    [real] = [d for d in yaml.safe_load_all(built[carried.name].read_text()) if d]
    [expected] = [d for d in yaml.safe_load_all(carried.read_text()) if d]
    upstream = expected["metadata"]["annotations"][extraction.SOURCE_ANNOTATION]
    assert _spec(extraction.structural(real, upstream)) == _spec(expected)
