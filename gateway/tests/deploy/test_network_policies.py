"""The Kubernetes NetworkPolicies allow exactly DESIGN.md's tier calls.

The test builds the graph of connections the policies allow (who may open a connection to whom,
on which port, both the caller's egress and the callee's ingress considered) between the
workloads of the manifests and a few places outside them: any address on the internet, the
cluster DNS and Prometheus in the `monitoring` namespace. That graph must equal the one the tier
rules give, so a policy that opens more than the tiers allow, or closes a call a service makes,
fails here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

TCP = "TCP"
UDP = "UDP"

# DESIGN.md: calls only go down. The component label of the caller → those it may call.
TIER_CALLS = {
    "gateway": {"experience"},
    "experience": {"process", "system"},
    "process": {"system"},
    "system": {"stand-in"},
}
REDIS_USERS = {"gateway", "experience", "process", "system"}
# Ports tried towards the internet: a rule that opens more than HTTPS shows up on one of them.
INTERNET_PORTS = ((TCP, 443), (TCP, 80), (TCP, 22), (TCP, 6379), (TCP, 53), (UDP, 53))


@dataclass(frozen=True)
class Node:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    # None: a pod of the manifests' own namespace; a mapping: the labels of another namespace.
    namespace_labels: Mapping[str, str] | None = None
    ports: tuple[tuple[str, int], ...] = ()
    named_ports: Mapping[str, int] = field(default_factory=dict)
    external: bool = False

    @property
    def own(self) -> bool:
        return not self.external and self.namespace_labels is None

    @property
    def component(self) -> str | None:
        return self.labels.get("app.kubernetes.io/component")


OUTSIDE = Node("internet", external=True, ports=INTERNET_PORTS)
PROMETHEUS = Node(
    "prometheus",
    labels={"app.kubernetes.io/name": "prometheus"},
    namespace_labels={"kubernetes.io/metadata.name": "monitoring"},
    ports=((TCP, 9090),),
)
DNS = Node(
    "kube-dns",
    labels={"k8s-app": "kube-dns"},
    namespace_labels={"kubernetes.io/metadata.name": "kube-system"},
    ports=((UDP, 53), (TCP, 53)),
)


def workloads(objects: list[dict[str, Any]]) -> dict[str, Node]:
    found = {}
    for item in objects:
        if item["kind"] != "Deployment":
            continue
        template = item["spec"]["template"]
        ports = [
            port
            for container in template["spec"]["containers"]
            for port in container.get("ports", [])
        ]
        found[item["metadata"]["name"]] = Node(
            item["metadata"]["name"],
            labels=template["metadata"]["labels"],
            ports=tuple((port.get("protocol", TCP), port["containerPort"]) for port in ports),
            named_ports={port["name"]: port["containerPort"] for port in ports if "name" in port},
        )
    return found


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, f"extend this test for {selector}"
    return (selector.get("matchLabels") or {}).items() <= labels.items()


def peer_matches(peer: Mapping[str, Any], node: Node) -> bool:
    if "ipBlock" in peer:
        return node.external
    if node.external:
        return False
    if "namespaceSelector" in peer:
        namespace = node.namespace_labels
        if namespace is None or not selects(peer["namespaceSelector"], namespace):
            return False
    elif not node.own:
        return False
    return selects(peer.get("podSelector") or {}, node.labels)


def port_matches(rule: Mapping[str, Any], port: tuple[str, int], target: Node) -> bool:
    if not rule.get("ports"):
        return True
    protocol, number = port
    for allowed in rule["ports"]:
        if allowed.get("protocol", TCP) != protocol:
            continue
        wanted = allowed.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            wanted = target.named_ports.get(wanted)
        if wanted is not None and wanted <= number <= allowed.get("endPort", wanted):
            return True
    return False


def policy_types(policy: Mapping[str, Any]) -> list[str]:
    spec = policy["spec"]
    return spec.get("policyTypes") or ["Ingress", *(["Egress"] if "egress" in spec else [])]


def allows(
    policies: list[dict[str, Any]],
    direction: str,
    subject: Node,
    peer: Node,
    port: tuple[str, int],
    target: Node,
) -> bool:
    """Whether `subject`'s policies let traffic in from (out to) `peer` on `port` of `target`."""
    if not subject.own:
        return True  # the other side's cluster, not these manifests
    governing = [
        policy
        for policy in policies
        if direction.capitalize() in policy_types(policy)
        and selects(policy["spec"]["podSelector"], subject.labels)
    ]
    if not governing:
        return True
    side = "from" if direction == "ingress" else "to"
    for policy in governing:
        for rule in policy["spec"].get(direction) or []:
            peers = rule.get(side)
            if (not peers or any(peer_matches(item, peer) for item in peers)) and port_matches(
                rule, port, target
            ):
                return True
    return False


def allowed_calls(objects: list[dict[str, Any]]) -> set[tuple[str, str, int]]:
    policies = [item for item in objects if item["kind"] == "NetworkPolicy"]
    nodes = list(workloads(objects).values())
    calls = set()
    for source in [*nodes, OUTSIDE, PROMETHEUS]:
        for target in [*nodes, OUTSIDE, PROMETHEUS, DNS]:
            if source == target or (not source.own and not target.own):
                continue
            for port in target.ports:
                if allows(policies, "egress", source, target, port, target) and allows(
                    policies, "ingress", target, source, port, target
                ):
                    calls.add((source.name, target.name, port[1]))
    return calls


def tier_calls(
    objects: list[dict[str, Any]], *, backends_outside: bool
) -> set[tuple[str, str, int]]:
    nodes = workloads(objects)
    expected = set()
    for source in nodes.values():
        expected |= {(source.name, DNS.name, 53)}
        callees = set(TIER_CALLS.get(source.component or "", set()))
        if backends_outside and source.component == "system":
            callees.discard("stand-in")
            expected.add((source.name, OUTSIDE.name, 443))
        if source.component in REDIS_USERS:
            callees.add("store")
        for target in nodes.values():
            if target.component in callees:
                # A port named `metrics` (a queue worker's) is for Prometheus alone.
                expected |= {
                    (source.name, target.name, port)
                    for _, port in target.ports
                    if port != target.named_ports.get("metrics")
                }
    # Kong's proxy is open to every address (the load balancer passes the clients' own).
    expected |= {(OUTSIDE.name, "kong", 8000), (PROMETHEUS.name, "kong", 8000)}
    # Kong's own metrics (its prometheus plugin) on the status port, its plugins' on 9542.
    expected |= {(PROMETHEUS.name, "kong", 8100), (PROMETHEUS.name, "kong", 9542)}
    for target in nodes.values():
        if target.component not in {"gateway", "store"}:
            expected |= {(PROMETHEUS.name, target.name, port) for _, port in target.ports}
    return expected


def configured_calls(objects: list[dict[str, Any]]) -> set[tuple[str, str, int]]:
    """The calls the manifests configure: service URLs, Redis, Kong's upstreams."""
    nodes = workloads(objects)
    calls = {(OUTSIDE.name, "kong", 8000)}
    for item in objects:
        if item["kind"] == "Deployment":
            source = item["metadata"]["name"]
            for container in item["spec"]["template"]["spec"]["containers"]:
                for variable in container.get("env") or []:
                    value = str(variable.get("value", ""))
                    for host, port in re.findall(r"//(?:[^/@\s]*@)?([a-z0-9-]+):(\d+)", value):
                        calls.add((source, host, int(port)))
                    if value.startswith("https://"):
                        calls.add((source, OUTSIDE.name, 443))
        if item["kind"] == "ConfigMap" and item["metadata"]["name"].startswith("kong-declarative"):
            for text in item["data"].values():
                for service in yaml.safe_load(text).get("services") or []:
                    host, port = re.findall(r"//([a-z0-9-]+):(\d+)", service["url"])[0]
                    calls.add(("kong", host, int(port)))
    # An emulator the overlay removed is not called: its System API calls the real system. An
    # emulator names itself in the URLs it hands out.
    return {
        call
        for call in calls
        if (call[1] in nodes or call[1] == OUTSIDE.name) and call[0] != call[1]
    }


@pytest.fixture(params=["base", "production"])
def deployment(request, base_objects, production_objects):
    objects = base_objects if request.param == "base" else production_objects
    return request.param, objects


class TestNetworkPolicies:
    def test_allow_exactly_the_tier_calls(self, deployment):
        name, objects = deployment
        allowed = allowed_calls(objects)
        expected = tier_calls(objects, backends_outside=name == "production")

        assert not allowed - expected, (
            f"{name}: beyond the tier rules: {sorted(allowed - expected)}"
        )
        assert not expected - allowed, f"{name}: tier calls refused: {sorted(expected - allowed)}"

    def test_every_configured_call_is_allowed(self, deployment):
        name, objects = deployment

        missing = configured_calls(objects) - allowed_calls(objects)

        assert not missing, f"{name}: configured but refused: {sorted(missing)}"

    def test_deny_by_default_in_both_directions(self, deployment):
        _, objects = deployment
        policies = {
            item["metadata"]["name"]: item for item in objects if item["kind"] == "NetworkPolicy"
        }

        assert policies["default-deny"]["spec"] == {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
        }

    def test_production_reaches_no_stand_in(self, production_objects):
        names = {(item["kind"], item["metadata"]["name"]) for item in production_objects}

        assert ("NetworkPolicy", "system-to-stand-ins") not in names
        assert ("NetworkPolicy", "stand-in") not in names
        assert ("NetworkPolicy", "system-to-backends") in names


class TestTheGraph:
    """The graph itself catches what it must: a policy that opens too much."""

    def test_an_allow_all_egress_is_caught(self, base_objects):
        opened = [
            *base_objects,
            {
                "kind": "NetworkPolicy",
                "metadata": {"name": "too-open"},
                "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]},
            },
        ]

        extra = allowed_calls(opened) - tier_calls(opened, backends_outside=False)

        assert ("mobile-experience", "internet", 443) in extra
        assert ("kong", "salesforce-system", 8301) not in extra  # its ingress still says no

    def test_a_process_api_opened_to_the_gateway_is_caught(self, base_objects):
        opened = [
            *base_objects,
            {
                "kind": "NetworkPolicy",
                "metadata": {"name": "gateway-to-process"},
                "spec": {
                    "podSelector": {},
                    "policyTypes": ["Ingress", "Egress"],
                    "ingress": [{"from": [{"podSelector": {}}]}],
                    "egress": [{"to": [{"podSelector": {}}]}],
                },
            },
        ]

        extra = allowed_calls(opened) - tier_calls(opened, backends_outside=False)

        assert ("kong", "quote-to-order", 8201) in extra
        assert ("quote-to-order", "mobile-experience", 8101) in extra
