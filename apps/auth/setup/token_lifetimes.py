"""How long the tokens the running profile accepts can live, and so how long a revocation that
covers all of them (the per-user not-before time) must be kept.

A not-before written at time T refuses tokens issued before T. Such a token expires before
T + its lifetime, and verification accepts it up to the leeway past that; so the record must
live for the longest lifetime of any accepted token plus the leeway. The codec refuses tokens
whose lifetime exceeds that longest one, which makes the bound hold for tokens we did not mint
(v1's, in the cut-over profile) as well as ours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.auth.setup.cutover import cutover

if TYPE_CHECKING:
    from apps.auth.setup.settings import Settings


def longest_token_lifetime(settings: Settings) -> int:
    """Seconds from `iat` to `exp` of the longest-lived token this profile accepts."""
    lifetimes = [settings.access_token_ttl_seconds, settings.refresh_token_ttl_seconds]
    profile = cutover(settings)
    if profile is not None:
        lifetimes += profile.accepted_lifetimes(settings)
    return max(lifetimes)


def required_not_before_ttl(settings: Settings) -> int:
    return longest_token_lifetime(settings) + settings.jwt_leeway_seconds


def not_before_ttl(settings: Settings) -> int:
    """The TTL of `auth:user-nbf:<uid>`: the configured one, or the shortest that holds."""
    return settings.user_not_before_ttl_seconds or required_not_before_ttl(settings)


def lifetime_problems(settings: Settings) -> list[str]:
    required = required_not_before_ttl(settings)
    configured = settings.user_not_before_ttl_seconds
    if configured is not None and configured < required:
        return [
            f"AUTH_USER_NOT_BEFORE_TTL_SECONDS={configured} is shorter than the longest token "
            f"this profile accepts plus the leeway ({required} s): a logout-all would stop "
            "holding while tokens it covers are still valid"
        ]
    return []
