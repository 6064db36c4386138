from __future__ import annotations

from apps.auth.domain.errors import DomainError


class LoginFailed(DomainError):
    """A callback that ends at the frontend's failure page; carries where to send the browser."""

    code = "LOGIN_FAILED"

    def __init__(self, cause: DomainError, frontend_origin: str) -> None:
        self.cause = cause
        self.frontend_origin = frontend_origin
        self.code = cause.code
        super().__init__(cause.detail)
