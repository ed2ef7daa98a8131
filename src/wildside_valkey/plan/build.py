"""The one pure function from variables to a plan. No network, no files."""

from __future__ import annotations

from collections.abc import Iterator

from ..contract import Contract, build_contract, contract_configmap
from ..variables import Variables
from .credentials import credentials_manifest
from .disruption import pdb_manifest
from .labels import instance_labels
from .lifecycle import lifecycle_manifest
from .model import Component, Plan, Resource
from .namespaces import cluster_namespace_manifest, operator_namespace_manifest
from .network import network_policy_manifest
from .operator import operator_chart
from .ordering import apply_order
from .valkey import valkey_manifest
from .warnings import plan_warnings


def build_plan(v: Variables) -> Plan:
    contract = build_contract(v)
    return Plan(
        variables=v,
        operator=operator_chart(v),
        resources=apply_order(_resources(v, contract)),
        contract=contract,
        warnings=tuple(plan_warnings(v)),
    )


def _resources(v: Variables, contract: Contract) -> Iterator[Resource]:
    if v.create_namespaces:
        yield Resource.of(Component.OPERATOR, operator_namespace_manifest(v))
        if v.namespace != v.operator_namespace:
            yield Resource.of(Component.CLUSTER, cluster_namespace_manifest(v))
    credentials = credentials_manifest(v)
    if credentials is not None:
        yield Resource.of(Component.CLUSTER, credentials)
    if v.network_policy_enabled:
        yield Resource.of(Component.CLUSTER, network_policy_manifest(v))
    yield Resource.of(Component.CLUSTER, valkey_manifest(v))
    if v.creates_pdb:
        yield Resource.of(Component.CLUSTER, pdb_manifest(v))
    if v.contract_configmap_enabled:
        configmap = contract_configmap(contract.to_dict(), labels=instance_labels(v))
        yield Resource.of(Component.CLUSTER, configmap)
    if v.records_lifecycle:
        yield Resource.of(Component.CLUSTER, lifecycle_manifest(v))
