"""A small model of the Istio routing and authorization semantics the manifests rely on.

VirtualService: HTTP rules are tried in order and the first rule with a matching `match`
entry (or no `match` at all) wins; inside one entry every condition must hold. String
matches are `exact`, `prefix` or `regex` (RE2, anchored at both ends). Header names are
case-insensitive; header values are compared as sent. Unknown conditions raise rather than
being ignored, so the model never silently widens a match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_SUPPORTED_CONDITIONS = {"uri", "headers", "method", "name"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    host: str
    path: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)

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
    if "uri" in entry and not string_matches(entry["uri"], request.path.split("?", 1)[0]):
        return False
    if "method" in entry and not string_matches(entry["method"], request.method):
        return False
    for name, condition in entry.get("headers", {}).items():
        assert name == name.lower(), f"Istio header match keys must be lowercase: {name}"
        if not string_matches(condition, request.header(name)):
            return False
    return True


def _host_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*"):
        return host.endswith(pattern[1:])
    return pattern == host


def route(virtual_service: Mapping[str, Any], request: Request) -> dict[str, int] | None:
    """The subsets (with their weights) that serve `request`; None if no rule captures it."""
    spec = virtual_service["spec"]
    if not any(_host_matches(host, request.host) for host in spec["hosts"]):
        return None
    for rule in spec.get("http", []):
        matches = rule.get("match")
        if matches and not any(_entry_matches(entry, request) for entry in matches):
            continue
        destinations = rule["route"]
        weights: dict[str, int] = {}
        for destination in destinations:
            subset = destination["destination"].get("subset", "")
            default = 100 if len(destinations) == 1 else 0
            weights[subset] = weights.get(subset, 0) + destination.get("weight", default)
        return {subset: weight for subset, weight in weights.items() if weight > 0}
    return None


def authz_path_matches(pattern: str, path: str) -> bool:
    """AuthorizationPolicy `paths`: exact, `prefix*`, `*suffix` or `*`."""
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return path.endswith(pattern[1:])
    return path == pattern


def denied_without_principal(policy: Mapping[str, Any], method: str, path: str) -> bool:
    """Whether a DENY policy refuses an anonymous request (no request principal)."""
    spec = policy["spec"]
    assert spec.get("action") == "DENY", "the model covers DENY policies only"
    for rule in spec["rules"]:
        for entry in rule.get("from", []):
            unknown = set(entry["source"]) - {"notRequestPrincipals"}
            assert not unknown, f"the authorization model does not understand {sorted(unknown)}"
        for entry in rule.get("to", []):
            operation = entry["operation"]
            if method in operation.get("notMethods", []):
                continue
            if "methods" in operation and method not in operation["methods"]:
                continue
            if any(authz_path_matches(pattern, path) for pattern in operation.get("paths", [])):
                return True
    return False
