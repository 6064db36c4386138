from __future__ import annotations

from apps.auth.application.token.ports import AdoptionOutcome, AdoptionRequest, AdoptionResult


class NoLegacySessions:
    """Where no previous auth shares the store (embedded mode, or the profile off), no v1
    refresh token is known."""

    async def adopt(self, request: AdoptionRequest) -> AdoptionResult:
        return AdoptionResult(outcome=AdoptionOutcome.UNKNOWN)
