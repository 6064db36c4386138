from __future__ import annotations

from dataclasses import dataclass, field

# Kakao's client secret is optional: an app enables it in Kakao's console, or sends none (v1
# runs so: eco2-team/backend@4c3eebb3 apps/auth/setup/config/settings.py, kakao_client_secret
# Optional). Google and Naver always require theirs.
SECRET_OPTIONAL = frozenset({"kakao"})


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
                ("CLIENT_SECRET", self.client_secret or self.name in SECRET_OPTIONAL),
            )
            if not value
        )

    @property
    def configured(self) -> bool:
        return not self.missing_variables
