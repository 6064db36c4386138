class DomainError(Exception):
    """Base of every error the service reports; `code` is stable and part of the API."""

    code = "AUTH_ERROR"
    default_detail = "Authentication error"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class ConfigurationError(DomainError):
    code = "CONFIGURATION_ERROR"
    default_detail = "Invalid configuration"


class ValidationFailed(DomainError):
    code = "VALIDATION_ERROR"
    default_detail = "Request is invalid"


class InvalidToken(DomainError):
    code = "INVALID_TOKEN"
    default_detail = "Token is invalid"


class MissingToken(InvalidToken):
    code = "MISSING_TOKEN"
    default_detail = "Token is missing"


class TokenExpired(DomainError):
    code = "TOKEN_EXPIRED"
    default_detail = "Token has expired"


class TokenRevoked(DomainError):
    code = "TOKEN_REVOKED"
    default_detail = "Token has been revoked"


class TokenTypeMismatch(DomainError):
    code = "TOKEN_TYPE_MISMATCH"
    default_detail = "Wrong token type for this endpoint"


class RefreshTokenReused(TokenRevoked):
    code = "TOKEN_REVOKED"
    default_detail = "Refresh token was already used; the session has been revoked"


class SessionExpired(TokenExpired):
    code = "TOKEN_EXPIRED"
    default_detail = "Session reached its maximum lifetime"


class InvalidState(DomainError):
    code = "INVALID_STATE"
    default_detail = "Login state is invalid, expired or already used"


class UnsupportedProvider(DomainError):
    code = "UNSUPPORTED_PROVIDER"
    default_detail = "Login provider is not supported"


class ProviderNotConfigured(DomainError):
    code = "PROVIDER_NOT_CONFIGURED"
    default_detail = "Login provider has no credentials configured"


class OAuthProviderError(DomainError):
    code = "OAUTH_PROVIDER_ERROR"
    default_detail = "Login provider failed"


class OAuthAccessDenied(OAuthProviderError):
    code = "OAUTH_ACCESS_DENIED"
    default_detail = "Login was cancelled at the provider"


class UserNotFound(DomainError):
    code = "USER_NOT_FOUND"
    default_detail = "User not found"


class SessionNotFound(DomainError):
    code = "SESSION_NOT_FOUND"
    default_detail = "Session not found"


class AlreadyLinked(DomainError):
    code = "SOCIAL_ACCOUNT_CONFLICT"
    default_detail = "Social account is already linked"


class CrossSiteRequest(DomainError):
    code = "CROSS_SITE_REQUEST"
    default_detail = "Cross-site request refused"


class RateLimited(DomainError):
    code = "RATE_LIMITED"
    default_detail = "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(detail)


class StorageUnavailable(DomainError):
    code = "STORAGE_UNAVAILABLE"
    default_detail = "A storage backend is unavailable; try again"


class RevocationNotReplicated(DomainError):
    """Written on the primary, not yet acknowledged by a replica: kept, re-written until one
    acknowledges it, but not reported as done, since a failover now could lose it."""

    code = "REVOCATION_NOT_REPLICATED"
    default_detail = "The revocation is not yet safe from a storage failover; try again"


class UserAlreadyExists(DomainError):
    code = "USER_ALREADY_EXISTS"
    default_detail = "A user with this id already exists"


class IdentityUnavailable(DomainError):
    code = "IDENTITY_UNAVAILABLE"
    default_detail = "The users service did not answer; try again"


class IdentityInvalid(DomainError):
    code = "IDENTITY_INVALID"
    default_detail = "The users service gave an answer that cannot be used"


class AccountNotDeleted(DomainError):
    code = "ACCOUNT_NOT_DELETED"
    default_detail = (
        "Every session has ended, but the users service did not delete the account; try again"
    )


class CursorInvalid(DomainError):
    code = "CURSOR_INVALID"
    default_detail = "The cursor is malformed, or was not issued for this account"
