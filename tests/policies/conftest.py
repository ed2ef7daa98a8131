"""Every policy test also proves the batched evaluation equal to the whole one.

``evaluate_files`` drops the kinds no rule reads and evaluates closed batches
(:mod:`wildside_valkey.policies.partition`); here it runs with one group per batch,
the finest split, and its findings must equal those of the whole, unfiltered set
evaluated at once. So each tree any policy test builds is also a partition test.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from wildside_valkey.policies import engine, partition
from wildside_valkey.policies.model import ManifestFile, Report


@pytest.fixture(autouse=True)
def batched_equals_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    batched = engine.evaluate_files

    def checked(files: Sequence[ManifestFile]) -> Report:
        report = batched(files)
        whole = engine._sorted(engine._run(engine._encode(list(files))))
        assert report.findings == whole, "batched findings differ from the whole set's"
        return report

    monkeypatch.setattr(partition, "BATCH_OBJECTS", 1)
    monkeypatch.setattr(engine, "evaluate_files", checked)
