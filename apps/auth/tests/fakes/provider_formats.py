"""What Kakao, Google and Naver really answer, as documented by each of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

PATHS = {
    "kakao": {"authorize": "/oauth/authorize", "token": "/oauth/token", "profile": "/v2/user/me"},
    "google": {"authorize": "/o/oauth2/v2/auth", "token": "/token", "profile": "/v1/userinfo"},
    "naver": {
        "authorize": "/oauth2.0/authorize",
        "token": "/oauth2.0/token",
        "profile": "/v1/nid/me",
    },
}
PKCE_PROVIDERS = frozenset({"kakao", "google"})


@dataclass(frozen=True, slots=True, kw_only=True)
class FakeUser:
    subject: str = "4242"
    email: str | None = "eco@example.com"
    email_verified: bool = True
    nickname: str | None = "에코"
    picture: str | None = "https://img.example.com/eco.png"


def token_body(provider: str, access_token: str) -> dict[str, Any]:
    if provider == "kakao":
        return {
            "token_type": "bearer",
            "access_token": access_token,
            "expires_in": 21599,
            "refresh_token": f"r-{access_token}",
            "refresh_token_expires_in": 5183999,
            "scope": "account_email profile_image profile_nickname",
        }
    if provider == "google":
        return {
            "access_token": access_token,
            "expires_in": 3599,
            "scope": "openid https://www.googleapis.com/auth/userinfo.email "
            "https://www.googleapis.com/auth/userinfo.profile",
            "token_type": "Bearer",
            "id_token": "header.payload.signature",
        }
    # Naver sends expires_in as a string.
    return {
        "access_token": access_token,
        "refresh_token": f"r-{access_token}",
        "token_type": "bearer",
        "expires_in": "3600",
    }


def profile_body(provider: str, user: FakeUser) -> dict[str, Any]:
    if provider == "kakao":
        return {
            "id": int(user.subject) if user.subject.isdigit() else user.subject,
            "connected_at": "2024-05-01T09:00:00Z",
            "properties": {"nickname": user.nickname},
            "kakao_account": {
                "profile_nickname_needs_agreement": False,
                "profile": {
                    "nickname": user.nickname,
                    "thumbnail_image_url": user.picture,
                    "profile_image_url": user.picture,
                    "is_default_image": False,
                },
                "has_email": user.email is not None,
                "email_needs_agreement": False,
                "is_email_valid": True,
                "is_email_verified": user.email_verified,
                "email": user.email,
            },
        }
    if provider == "google":
        return {
            "sub": user.subject,
            "name": user.nickname,
            "given_name": user.nickname,
            "picture": user.picture,
            "email": user.email,
            "email_verified": user.email_verified,
        }
    return {
        "resultcode": "00",
        "message": "success",
        "response": {
            "id": user.subject,
            "nickname": user.nickname,
            "profile_image": user.picture,
            "email": user.email,
            "name": user.nickname,
        },
    }


# Where each provider puts the fields we read, as a path into its profile JSON.
PROFILE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "kakao": {
        "subject": ("id",),
        "nickname": ("kakao_account", "profile", "nickname"),
        "picture": ("kakao_account", "profile", "profile_image_url"),
        "email": ("kakao_account", "email"),
    },
    "google": {
        "subject": ("sub",),
        "nickname": ("name",),
        "picture": ("picture",),
        "email": ("email",),
    },
    "naver": {
        "subject": ("response", "id"),
        "nickname": ("response", "nickname"),
        "picture": ("response", "profile_image"),
        "email": ("response", "email"),
    },
}


def profile_with(provider: str, user: FakeUser | None = None, **fields: Any) -> dict[str, Any]:
    """The provider's real profile body with raw values (of any JSON type) in named fields."""
    body = profile_body(provider, user or FakeUser())
    for name, value in fields.items():
        *parents, leaf = PROFILE_FIELDS[provider][name]
        target = body
        for key in parents:
            target = target[key]
        target[leaf] = value
    return body


def token_error(provider: str, error: str, status: int = 400) -> Response:
    if provider == "naver":
        # Naver answers token errors with 200 and an error body.
        return JSONResponse({"error": error, "error_description": "no valid data in session"})
    body: dict[str, Any] = {"error": error, "error_description": "Bad Request"}
    if provider == "kakao":
        body["error_code"] = "KOE320"
    return JSONResponse(body, status_code=status)


def profile_unauthorized(provider: str) -> Response:
    if provider == "kakao":
        body: dict[str, Any] = {"msg": "this access token does not exist", "code": -401}
    elif provider == "google":
        body = {"error": "invalid_request", "error_description": "Invalid Credentials"}
    else:
        body = {"resultcode": "024", "message": "Authentication failed"}
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
