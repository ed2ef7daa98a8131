"""The one pure function from variables to a plan. No network, no files."""

from __future__ import annotations

from collections.abc import Iterator

from ..contract import build_contract
from ..variables import Variables
from .credentials import credentials_manifest
from .disruption import pdb_manifest, wants_pdb
from .model import Component, Plan, Resource
from .namespaces import cluster_namespace_manifest, operator_namespace_manifest
from .operator import operator_chart
from .ordering import apply_order
from .valkey import valkey_manifest
from .warnings import plan_warnings


def build_plan(v: Variables) -> Plan:
    return Plan(
        variables=v,
        operator=operator_chart(v),
        resources=apply_order(_resources(v)),
        contract=build_contract(v),
        warnings=tuple(plan_warnings(v)),
    )


def _resources(v: Variables) -> Iterator[Resource]:
    if v.create_namespaces:
        yield Resource.of(Component.OPERATOR, operator_namespace_manifest(v))
        if v.namespace != v.operator_namespace:
            yield Resource.of(Component.CLUSTER, cluster_namespace_manifest(v))
    credentials = credentials_manifest(v)
    if credentials is not None:
        yield Resource.of(Component.CLUSTER, credentials)
    yield Resource.of(Component.CLUSTER, valkey_manifest(v))
    if wants_pdb(v):
        yield Resource.of(Component.CLUSTER, pdb_manifest(v))
