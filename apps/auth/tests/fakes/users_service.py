"""A double of Eco²'s users service, written by us from its documented contract.

gRPC `users.UsersService` (GetOrCreateFromOAuth, GetUser, UpdateLoginTime) from our own
users.proto, and the HTTP profile deletion (`DELETE /api/v1/users/me`, user in `X-User-Id`,
204), both on real Postgres tables `users.accounts` / `users.social_accounts`. The columns and
constraints are those of eco2-team/backend@4c3eebb3 migrations/V003__create_users_schema.sql
(our DDL below states them; only what the double touches). Tests switch it to failing modes:
stopped, paused (answers nothing until resumed), malformed answers, failing deletion.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apps.auth.infrastructure.users_grpc import users_pb2 as pb
from apps.auth.tests.fakes.live_server import LiveServer

SCHEMA = [
    "CREATE SCHEMA IF NOT EXISTS users",
    "DO $$ BEGIN CREATE TYPE oauth_provider AS ENUM ('google', 'kakao', 'naver'); "
    "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    """CREATE TABLE IF NOT EXISTS users.accounts (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        nickname TEXT, name TEXT, email VARCHAR(320), phone_number VARCHAR(20),
        profile_image_url TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        last_login_at TIMESTAMPTZ,
        CONSTRAINT uq_accounts_phone UNIQUE (phone_number))""",
    """CREATE TABLE IF NOT EXISTS users.social_accounts (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id UUID NOT NULL,
        provider oauth_provider NOT NULL,
        provider_user_id TEXT NOT NULL,
        email VARCHAR(320),
        last_login_at TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
        CONSTRAINT fk_social_user FOREIGN KEY (user_id)
            REFERENCES users.accounts(id) ON DELETE CASCADE,
        CONSTRAINT uq_social_identity UNIQUE (provider, provider_user_id))""",
]
FIND = text(
    "SELECT a.id, a.nickname, a.profile_image_url, a.created_at, a.updated_at, "
    "a.last_login_at, s.id AS sid, s.provider::text AS provider, s.provider_user_id, s.email, "
    "s.created_at AS s_created, s.last_login_at AS s_last FROM users.social_accounts s "
    "JOIN users.accounts a ON a.id = s.user_id "
    "WHERE s.provider = CAST(:provider AS oauth_provider) AND s.provider_user_id = :subject"
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class UsersServiceDouble:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engine: AsyncEngine = create_async_engine(database_url)
        self.malformed: str | None = None  # "empty", "not_uuid", "other_identity", "other_user"
        self.deletion_fails = False
        self.calls: list[str] = []
        # RPC name -> how many of its next calls answer UNAVAILABLE (a restarting pod).
        self.unavailable_next: dict[str, int] = {}
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._server: grpc.aio.Server | None = None
        self._http = LiveServer(self._http_app())
        self.port = 0

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return self._http.base_url

    async def start(self) -> UsersServiceDouble:
        async with self.engine.begin() as connection:
            for statement in SCHEMA:
                await connection.execute(text(statement))
            await connection.execute(text("TRUNCATE users.social_accounts, users.accounts"))
        await self._start_grpc()
        self._http.start()
        return self

    async def _start_grpc(self) -> None:
        server = grpc.aio.server()
        handlers = {
            "GetOrCreateFromOAuth": (self._get_or_create, pb.GetOrCreateFromOAuthRequest),
            "GetUser": (self._get_user, pb.GetUserRequest),
            "UpdateLoginTime": (self._update_login_time, pb.UpdateLoginTimeRequest),
        }
        server.add_generic_rpc_handlers(
            [
                grpc.method_handlers_generic_handler(
                    "users.UsersService",
                    {
                        name: grpc.unary_unary_rpc_method_handler(
                            self._answering(name, handler),
                            request_deserializer=message.FromString,
                            response_serializer=lambda m: m.SerializeToString(),
                        )
                        for name, (handler, message) in handlers.items()
                    },
                )
            ]
        )
        self.port = server.add_insecure_port(f"127.0.0.1:{self.port}")
        await server.start()
        self._server = server

    def _answering(self, name: str, handler: Any) -> Any:
        async def answer(request: Any, context: grpc.aio.ServicerContext) -> Any:
            self.calls.append(name)
            if self.unavailable_next.get(name, 0) > 0:
                self.unavailable_next[name] -= 1
                await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
            await self._resumed.wait()
            return await handler(request)

        return answer

    async def stop(self) -> None:
        """Stops answering gRPC; `restart` brings it back on the same port."""
        if self._server is not None:
            await self._server.stop(0)
            self._server = None

    async def restart(self) -> None:
        await self._start_grpc()

    def pause(self) -> None:
        self._resumed.clear()

    def resume(self) -> None:
        self._resumed.set()

    async def close(self) -> None:
        self.resume()
        await self.stop()
        self._http.stop()
        await self.engine.dispose()

    async def create_user(self, provider: str, subject: str, nickname: str = "v1") -> uuid.UUID:
        """A user as the users service creates one for v1's login."""
        user_id = uuid.uuid4()
        async with self.engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO users.accounts (id, nickname) VALUES (:id, :nickname)"),
                {"id": user_id, "nickname": nickname},
            )
            await connection.execute(
                text(
                    "INSERT INTO users.social_accounts (user_id, provider, provider_user_id) "
                    "VALUES (:id, CAST(:provider AS oauth_provider), :subject)"
                ),
                {"id": user_id, "provider": provider, "subject": subject},
            )
        return user_id

    async def delete_user(self, user_id: uuid.UUID) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                text("DELETE FROM users.accounts WHERE id = :id"), {"id": user_id}
            )

    async def count(self, table: str, **where: Any) -> int:
        clause = " AND ".join(f"{column} = :{column}" for column in where) or "TRUE"
        async with self.engine.connect() as connection:
            found = await connection.execute(
                text(f"SELECT count(*) FROM users.{table} WHERE {clause}"), where
            )
            return int(found.scalar_one())

    async def _get_or_create(
        self, request: pb.GetOrCreateFromOAuthRequest
    ) -> pb.GetOrCreateFromOAuthResponse:
        asked = {"provider": request.provider, "subject": request.provider_user_id}
        async with self.engine.begin() as connection:
            row = (await connection.execute(FIND, asked)).first()
            is_new = row is None and await self._insert(connection, request)
        async with self.engine.connect() as connection:
            row = (await connection.execute(FIND, asked)).one()
        return pb.GetOrCreateFromOAuthResponse(
            user=self._user_info(row), social_account=self._account(row), is_new_user=is_new
        )

    async def _insert(self, connection: Any, request: pb.GetOrCreateFromOAuthRequest) -> bool:
        """A first login racing another: the identity's unique key decides; the loser's
        account row is removed again and both answer the winner's user."""
        user_id = uuid.uuid4()
        optional = {
            field: getattr(request, field) if request.HasField(field) else None
            for field in ("email", "nickname", "profile_image_url")
        }
        await connection.execute(
            text(
                "INSERT INTO users.accounts (id, nickname, email, profile_image_url) "
                "VALUES (:id, :nickname, :email, :profile_image_url)"
            ),
            {"id": user_id, **optional},
        )
        linked = await connection.execute(
            text(
                "INSERT INTO users.social_accounts (user_id, provider, provider_user_id, email) "
                "VALUES (:id, CAST(:provider AS oauth_provider), :subject, :email) "
                "ON CONFLICT (provider, provider_user_id) DO NOTHING RETURNING id"
            ),
            {
                "id": user_id,
                "provider": request.provider,
                "subject": request.provider_user_id,
                "email": optional["email"],
            },
        )
        if linked.first() is not None:
            return True
        await connection.execute(text("DELETE FROM users.accounts WHERE id = :id"), {"id": user_id})
        return False

    async def _get_user(self, request: pb.GetUserRequest) -> pb.GetUserResponse:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT id, nickname, profile_image_url, created_at, updated_at, "
                        "last_login_at FROM users.accounts WHERE id = CAST(:id AS uuid)"
                    ),
                    {"id": request.user_id},
                )
            ).first()
        if row is None:
            return pb.GetUserResponse()
        return pb.GetUserResponse(user=self._user_info(row))

    async def _update_login_time(
        self, request: pb.UpdateLoginTimeRequest
    ) -> pb.UpdateLoginTimeResponse:
        now = datetime.now(UTC)
        async with self.engine.begin() as connection:
            await connection.execute(
                text("UPDATE users.accounts SET last_login_at = :now WHERE id = CAST(:id AS uuid)"),
                {"now": now, "id": request.user_id},
            )
            await connection.execute(
                text(
                    "UPDATE users.social_accounts SET last_login_at = :now "
                    "WHERE user_id = CAST(:id AS uuid) "
                    "AND provider = CAST(:provider AS oauth_provider) "
                    "AND provider_user_id = :subject"
                ),
                {
                    "now": now,
                    "id": request.user_id,
                    "provider": request.provider,
                    "subject": request.provider_user_id,
                },
            )
        return pb.UpdateLoginTimeResponse(success=True)

    def _user_info(self, row: Any) -> pb.UserInfo:
        user_id = {
            "empty": "",
            "not_uuid": "user-42",
            "other_user": str(uuid.uuid4()),
        }.get(self.malformed or "", str(row.id))
        info = pb.UserInfo(
            id=user_id,
            created_at=_iso(row.created_at) or "",
            updated_at=_iso(row.updated_at) or "",
        )
        for field in ("nickname", "profile_image_url"):
            if getattr(row, field) is not None:
                setattr(info, field, getattr(row, field))
        if row.last_login_at is not None:
            info.last_login_at = _iso(row.last_login_at) or ""
        return info

    def _account(self, row: Any) -> pb.SocialAccountInfo:
        subject = row.provider_user_id + ("-x" if self.malformed == "other_identity" else "")
        return pb.SocialAccountInfo(
            id=str(row.sid),
            user_id=str(row.id),
            provider=row.provider,
            provider_user_id=subject,
            created_at=_iso(row.s_created) or "",
        )

    def _http_app(self) -> Starlette:
        async def delete_me(request: Request) -> Response:
            if self.deletion_fails:
                return Response(status_code=500)
            try:
                user_id = uuid.UUID(request.headers.get("x-user-id", ""))
            except ValueError:
                return Response(status_code=400)
            # The server runs in its own thread and event loop: an engine of its own.
            engine = create_async_engine(self.database_url)
            try:
                async with engine.begin() as connection:
                    gone = await connection.execute(
                        text("DELETE FROM users.accounts WHERE id = :id RETURNING id"),
                        {"id": user_id},
                    )
                    found = gone.first() is not None
            finally:
                await engine.dispose()
            return Response(status_code=204 if found else 404)

        return Starlette(routes=[Route("/api/v1/users/me", delete_me, methods=["DELETE"])])
