"""Which objects keep a namespace at destroy: ownership followed the way the real garbage
collector leaves things mid-way (seen against kube-controller-manager in tests/e2e)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wildside_valkey.apply.kinds import Kind
from wildside_valkey.apply.namespace_contents import foreign_objects


def _obj(kind: str, name: str, uid: str, *owners: tuple[str, str]) -> dict[str, Any]:
    return {
        "kind": kind,
        "metadata": {
            "name": name,
            "uid": uid,
            "ownerReferences": [{"kind": k, "name": k.lower(), "uid": u} for k, u in owners],
        },
    }


class Listing:
    """What listing each kind in the namespace returns (only `list` is called)."""

    def __init__(self, *objects: Mapping[str, Any]) -> None:
        self.objects = objects

    def list(self, kind: Kind, namespace: str | None) -> list[dict[str, Any]]:
        return [dict(o) for o in self.objects if o["kind"] == kind.kind]


def _foreign(*objects: Mapping[str, Any], ours: tuple[str, ...] = ()) -> list[str]:
    return foreign_objects(Listing(*objects), "ns", ours, "cache")  # type: ignore[arg-type]


def test_children_of_our_objects_are_not_tenants() -> None:
    assert (
        _foreign(
            _obj("StatefulSet", "cache", "sts", ("Valkey", "valkey-uid")),
            _obj("Pod", "cache-0", "pod", ("StatefulSet", "sts")),
            ours=("valkey-uid",),
        )
        == []
    )


def test_a_pod_whose_statefulset_is_already_collected_is_being_collected_too() -> None:
    # The Valkey and its StatefulSet are gone; the collector has not reached the Pod yet.
    assert _foreign(_obj("Pod", "cache-0", "pod", ("StatefulSet", "gone-sts"))) == []


def test_an_owner_of_a_kind_not_listed_may_exist_so_its_object_stays_foreign() -> None:
    assert _foreign(_obj("Secret", "app-token", "s1", ("AppConfig", "app-uid"))) == [
        "Secret ns/app-token"
    ]


def test_an_object_with_one_live_foreign_owner_keeps_the_namespace() -> None:
    assert _foreign(
        _obj("Deployment", "web", "web-uid"),
        _obj("ReplicaSet", "web-1", "rs", ("Deployment", "web-uid")),
    ) == ["Deployment ns/web", "ReplicaSet ns/web-1"]
