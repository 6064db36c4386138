from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol, TypeVar
from uuid import UUID

import grpc
from google.protobuf.message import Message

from apps.auth.application.common.ports import SignedIn, UnitOfWork
from apps.auth.domain.errors import IdentityInvalid, IdentityUnavailable
from apps.auth.domain.user import ProviderProfile, User
from apps.auth.infrastructure.users_grpc import users_pb2 as pb
from apps.auth.infrastructure.users_grpc.answers import found_user, signed_in_user
from apps.auth.infrastructure.users_grpc.rpc_metrics import UsersRpcMetrics

logger = logging.getLogger("auth.users")
SERVICE = "/users.UsersService/"
M = TypeVar("M", bound=Message)
T = TypeVar("T")


class AccountDeletion(Protocol):
    async def delete(self, user_id: UUID) -> bool: ...


class GrpcUserDirectory:
    """Eco²'s users service (`users.UsersService`) as the owner of every identity.

    Each call has its own deadline. Only calls that can be repeated without a second effect
    are retried, and only when the service was unreachable: looking a user up, and get-or-create
    (keyed by the identity, so a repeat finds what the first call made). Stamping the login
    time is best effort: a login does not fail on it.
    """

    def __init__(
        self,
        *,
        target: str,
        timeout_seconds: float,
        attempts: int,
        deletion: AccountDeletion,
        metrics: UsersRpcMetrics,
    ) -> None:
        self._target = target
        self._timeout = timeout_seconds
        self._attempts = max(1, attempts)
        self._deletion = deletion
        self._metrics = metrics
        self._channel: grpc.aio.Channel | None = None

    async def sign_in(self, profile: ProviderProfile, uow: UnitOfWork) -> SignedIn:
        # The users service commits on its own; the caller's transaction holds only its audit.
        identity = profile.identity
        request = pb.GetOrCreateFromOAuthRequest(
            provider=identity.provider,
            provider_user_id=identity.subject,
            email=profile.email,
            nickname=profile.nickname,
            profile_image_url=profile.profile_image_url,
        )
        answer = await self._call(
            "GetOrCreateFromOAuth", request, pb.GetOrCreateFromOAuthResponse, retry=True
        )
        user_id = self._checked("GetOrCreateFromOAuth", lambda: signed_in_user(answer, identity))
        await self._stamp_login(user_id, profile)
        return SignedIn(user_id=user_id, is_new=answer.is_new_user)

    async def find(self, user_id: UUID) -> User | None:
        answer = await self._call(
            "GetUser", pb.GetUserRequest(user_id=str(user_id)), pb.GetUserResponse, retry=True
        )
        return self._checked("GetUser", lambda: found_user(answer, user_id))

    async def delete(self, user_id: UUID) -> bool:
        return await self._deletion.delete(user_id)

    async def aclose(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def _stamp_login(self, user_id: UUID, profile: ProviderProfile) -> None:
        request = pb.UpdateLoginTimeRequest(
            user_id=str(user_id),
            provider=profile.identity.provider,
            provider_user_id=profile.identity.subject,
        )
        try:
            await self._call("UpdateLoginTime", request, pb.UpdateLoginTimeResponse, retry=False)
        except IdentityUnavailable:
            logger.warning("users service: the login time of a sign-in was not recorded")

    def _checked(self, rpc: str, read: Callable[[], T]) -> T:
        try:
            return read()
        except IdentityInvalid:
            self._metrics.calls.labels(rpc, "invalid").inc()
            logger.error("users service: %s gave an answer that cannot be used", rpc)
            raise

    async def _call(self, rpc: str, request: Message, answer: type[M], *, retry: bool) -> M:
        method = self._channel_now().unary_unary(
            SERVICE + rpc,
            request_serializer=_serialize,
            response_deserializer=answer.FromString,
        )
        attempts = self._attempts if retry else 1
        started = time.perf_counter()
        try:
            for attempt in range(1, attempts + 1):
                try:
                    result: M = await method(request, timeout=self._timeout)
                except grpc.aio.AioRpcError as error:
                    if error.code() is grpc.StatusCode.UNAVAILABLE and attempt < attempts:
                        continue
                    raise self._unavailable(rpc, error) from error
                self._metrics.calls.labels(rpc, "ok").inc()
                return result
        finally:
            self._metrics.seconds.labels(rpc).observe(time.perf_counter() - started)
        raise AssertionError("attempts is at least 1")

    def _unavailable(self, rpc: str, error: grpc.aio.AioRpcError) -> IdentityUnavailable:
        deadline = error.code() is grpc.StatusCode.DEADLINE_EXCEEDED
        self._metrics.calls.labels(rpc, "deadline" if deadline else "unavailable").inc()
        logger.warning("users service: %s failed with %s", rpc, error.code().name)
        return IdentityUnavailable()

    def _channel_now(self) -> grpc.aio.Channel:
        # Opened on first use, inside the serving event loop that grpc.aio binds it to.
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self._target)
        return self._channel


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()
