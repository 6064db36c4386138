from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginPolicy:
    """Post-login redirects go only to an exact-match allow-listed origin.

    Anything else (other host, scheme or port) falls back to the default origin.
    """

    allowed: frozenset[str]
    default: str

    def resolve(self, candidate: str | None) -> str:
        if candidate is not None and candidate in self.allowed:
            return candidate
        return self.default

    def allows(self, origin: str | None) -> bool:
        return origin is not None and origin in self.allowed
