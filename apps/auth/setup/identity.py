"""Who owns users: Eco²'s users service when one is configured, else this service's tables."""

from __future__ import annotations

from contextlib import AsyncExitStack

from prometheus_client.registry import Collector

from apps.auth.application.common.ports import Clock, IdGenerator, UserDirectory
from apps.auth.infrastructure.tables_user_directory import TablesUserDirectory
from apps.auth.infrastructure.users_grpc.grpc_user_directory import GrpcUserDirectory
from apps.auth.infrastructure.users_grpc.rpc_metrics import UsersRpcMetrics
from apps.auth.infrastructure.users_grpc.users_http_deletion import HttpAccountDeletion
from apps.auth.setup.settings import Settings
from apps.auth.setup.storage import Storage


def user_directory(
    settings: Settings,
    *,
    storage: Storage,
    clock: Clock,
    ids: IdGenerator,
    resources: AsyncExitStack,
) -> tuple[UserDirectory, tuple[Collector, ...]]:
    if not settings.users_grpc_target or not settings.users_http_base_url:
        return TablesUserDirectory(uow=storage.uow, clock=clock, ids=ids), ()
    metrics = UsersRpcMetrics.create()
    deletion = HttpAccountDeletion(
        base_url=settings.users_http_base_url,
        timeout_seconds=settings.users_grpc_timeout_seconds,
        metrics=metrics,
    )
    directory = GrpcUserDirectory(
        target=settings.users_grpc_target,
        timeout_seconds=settings.users_grpc_timeout_seconds,
        attempts=settings.users_grpc_attempts,
        deletion=deletion,
        metrics=metrics,
    )
    resources.push_async_callback(deletion.aclose)
    resources.push_async_callback(directory.aclose)
    return directory, metrics.collectors
