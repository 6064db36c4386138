"""Who owns users: Eco²'s users service when one is configured, else this service's tables."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

from prometheus_client.registry import Collector

from apps.auth.application.common.ports import Clock, IdGenerator, UserDirectory, UserExistence
from apps.auth.infrastructure.directory_user_existence import DirectoryUserExistence
from apps.auth.infrastructure.tables_user_directory import TablesUserDirectory
from apps.auth.infrastructure.users_grpc.grpc_user_directory import GrpcUserDirectory
from apps.auth.infrastructure.users_grpc.rpc_metrics import UsersRpcMetrics
from apps.auth.infrastructure.users_grpc.users_http_deletion import HttpAccountDeletion
from apps.auth.setup.settings import Settings
from apps.auth.setup.storage import Storage


@dataclass(frozen=True, slots=True, kw_only=True)
class UsersOwner:
    """The owner of users as the service reaches it: the directory, the cheapest way to ask
    whether a user still exists, and the owner's metrics."""

    directory: UserDirectory
    existence: UserExistence
    collectors: tuple[Collector, ...] = ()


def user_directory(
    settings: Settings,
    *,
    storage: Storage,
    clock: Clock,
    ids: IdGenerator,
    resources: AsyncExitStack,
) -> UsersOwner:
    if not settings.users_grpc_target or not settings.users_http_base_url:
        tables = TablesUserDirectory(uow=storage.uow, clock=clock, ids=ids)
        existence = storage.user_existence or DirectoryUserExistence(directory=tables)
        return UsersOwner(directory=tables, existence=existence)
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
    return UsersOwner(
        directory=directory,
        existence=DirectoryUserExistence(directory=directory),
        collectors=metrics.collectors,
    )
