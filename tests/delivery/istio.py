"""A small model of the Istio routing semantics the manifests rely on.

VirtualService: it applies to a request arriving through one of its `gateways` (`mesh` = every
sidecar; none listed = `mesh`) for one of its `hosts`. On a sidecar the Host header may also be
the service's short forms (`name`, `name.namespace`, `name.namespace.svc`), with or without
the port. HTTP rules are tried in order and the first rule with a matching `match` entry (or no
`match` at all) wins; inside one entry every condition must hold. String matches are `exact`,
`prefix` or `regex` (RE2, anchored at both ends), against the path without its query string.
Header names are case-insensitive; header values are compared as sent. An entry's `gateways`
limits it to those gateways. Unknown conditions raise rather than being ignored, so the model
never silently widens a match. A rule without `retries` gets Istio's default of 2 attempts; a
rule without `timeout` has none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MESH = "mesh"
INGRESS = "istio-system/eco2-gateway"
ISTIO_DEFAULT_RETRY_ATTEMPTS = 2
_SUPPORTED_CONDITIONS = {"uri", "headers", "method", "name", "gateways"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    host: str
    path: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    gateway: str = INGRESS

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


def string_matches(condition: Mapping[str, str], value: str | None) -> bool:
    if value is None:
        return False
    (kind, expected), *rest = condition.items()
    assert not rest, f"one string match per condition, got {condition}"
    if kind == "exact":
        return value == expected
    if kind == "prefix":
        return value.startswith(expected)
    if kind == "regex":
        return re.fullmatch(expected, value) is not None
    raise AssertionError(f"unsupported string match {kind!r}")


def _entry_matches(entry: Mapping[str, Any], request: Request) -> bool:
    unknown = set(entry) - _SUPPORTED_CONDITIONS
    assert not unknown, f"the routing model does not understand {sorted(unknown)}"
    if "gateways" in entry and request.gateway not in entry["gateways"]:
        return False
    if "uri" in entry and not string_matches(entry["uri"], request.path.split("?", 1)[0]):
        return False
    if "method" in entry and not string_matches(entry["method"], request.method):
        return False
    for name, condition in entry.get("headers", {}).items():
        assert name == name.lower(), f"Istio header match keys must be lowercase: {name}"
        if not string_matches(condition, request.header(name)):
            return False
    return True


def _host_matches(pattern: str, request: Request) -> bool:
    host = request.host.rsplit(":", 1)[0] if ":" in request.host else request.host
    if pattern.startswith("*"):
        return host.endswith(pattern[1:])
    if request.gateway == MESH and pattern.endswith(".svc.cluster.local"):
        name, namespace = pattern.split(".")[:2]
        return host in {pattern, name, f"{name}.{namespace}", f"{name}.{namespace}.svc"}
    return pattern == host


def matched_rule(virtual_service: Mapping[str, Any], request: Request) -> dict[str, Any] | None:
    """The HTTP rule that serves `request`; None if the VirtualService does not capture it."""
    spec = virtual_service["spec"]
    if request.gateway not in spec.get("gateways", [MESH]):
        return None
    if not any(_host_matches(host, request) for host in spec["hosts"]):
        return None
    for rule in spec.get("http", []):
        matches = rule.get("match")
        if matches and not any(_entry_matches(entry, request) for entry in matches):
            continue
        return dict(rule)
    return None


def route(virtual_service: Mapping[str, Any], request: Request) -> dict[str, int] | None:
    """The subsets (with their weights) that serve `request`; None if no rule captures it."""
    rule = matched_rule(virtual_service, request)
    if rule is None:
        return None
    destinations = rule["route"]
    weights: dict[str, int] = {}
    for destination in destinations:
        subset = destination["destination"].get("subset", "")
        default = 100 if len(destinations) == 1 else 0
        weights[subset] = weights.get(subset, 0) + destination.get("weight", default)
    return {subset: weight for subset, weight in weights.items() if weight > 0}


def retry_attempts(rule: Mapping[str, Any]) -> int:
    return int(rule.get("retries", {}).get("attempts", ISTIO_DEFAULT_RETRY_ATTEMPTS))
