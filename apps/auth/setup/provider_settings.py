from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderSettings:
    """One login provider as the `AUTH_<PROVIDER>_*` variables describe it."""

    name: str
    enabled: bool
    client_id: str | None
    client_secret: str | None = field(repr=False)
    redirect_uri: str
    base_url: str | None

    @property
    def missing_variables(self) -> tuple[str, ...]:
        prefix = f"AUTH_{self.name.upper()}"
        return tuple(
            f"{prefix}_{part}"
            for part, value in (
                ("CLIENT_ID", self.client_id),
                ("CLIENT_SECRET", self.client_secret),
            )
            if not value
        )

    @property
    def configured(self) -> bool:
        return not self.missing_variables
