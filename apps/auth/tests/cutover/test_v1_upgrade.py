"""`make migrate` on a database v1 runs on: v1's rows, readers and writers keep working."""

from __future__ import annotations

from uuid import UUID, uuid4

from apps.auth.infrastructure.persistence_postgres.tables import VERSION_TABLE
from apps.auth.tests.cutover.v1_schema import (
    GOOGLE_USER,
    KAKAO_SUBJECT,
    KAKAO_USER,
    T1,
    T2,
    TWO_PROVIDER_USER,
    V1_ACCOUNTS,
    V1_USERS,
    auth_tables,
    constraints,
    query,
    users_service_view,
)
from apps.auth.tests.cutover.v1_statements import (
    V1_DELETE_USER,
    V1_INSERT_ACCOUNT,
    V1_INSERT_AUDIT,
    V1_INSERT_USER,
    V1_UPDATE_LOGIN,
    V1_USER_BY_IDENTITY,
)
from apps.auth.tests.pg import migrate


def test_v1_rows_keep_ids_and_links_when_v1_database_migrated(v1_database: str) -> None:
    users_before = query(v1_database, "SELECT * FROM auth.users ORDER BY id")
    links_before = query(
        v1_database,
        "SELECT id, user_id, provider, provider_user_id FROM auth.user_social_accounts ORDER BY id",
    )

    migrate(v1_database)

    users_after = query(
        v1_database,
        "SELECT id, username, nickname, profile_image_url, phone_number, created_at, "
        "updated_at, last_login_at FROM auth.users ORDER BY id",
    )
    assert users_after == users_before
    assert {u[0] for u in users_after} == {KAKAO_USER, GOOGLE_USER, TWO_PROVIDER_USER}
    assert (
        query(
            v1_database,
            "SELECT id, user_id, provider, provider_user_id FROM auth.user_social_accounts "
            "ORDER BY id",
        )
        == links_before
    )
    assert auth_tables(v1_database) == ["login_audits", "user_social_accounts", "users"]


def test_users_service_answers_unchanged_when_v1_database_migrated(v1_database: str) -> None:
    before = users_service_view(v1_database)

    migrate(v1_database)

    assert users_service_view(v1_database) == before
    assert len(before[TWO_PROVIDER_USER]) == 2


def test_v1_audits_read_as_logins_when_v1_database_migrated(v1_database: str) -> None:
    migrate(v1_database)

    rows = query(
        v1_database,
        "SELECT user_id, provider, jti, event, reason FROM auth.login_audits ORDER BY id",
    )
    assert rows == [
        (KAKAO_USER, "kakao", "jti-v1-1", "login_success", None),
        (GOOGLE_USER, "google", "jti-v1-2", "login_success", None),
    ]


def test_v1_history_untouched_when_v1_database_migrated(v1_database: str) -> None:
    kept = {c for c in constraints(v1_database) if "audit" not in c[0]}

    migrate(v1_database)

    assert kept <= constraints(v1_database)
    assert query(v1_database, "SELECT version_num FROM auth.alembic_version") == [("0001",)]
    assert query(v1_database, f"SELECT version_num FROM auth.{VERSION_TABLE}") == [
        ("0002_v2_expand",)
    ]


def test_nothing_changes_when_migrated_v1_database_migrated_again(v1_database: str) -> None:
    migrate(v1_database)
    before = (constraints(v1_database), query(v1_database, "SELECT * FROM auth.users ORDER BY id"))

    migrate(v1_database)

    after = (constraints(v1_database), query(v1_database, "SELECT * FROM auth.users ORDER BY id"))
    assert after == before


def test_v1_writes_succeed_when_schema_expanded(v1_database: str) -> None:
    migrate(v1_database)
    user_id, account_id = uuid4(), uuid4()

    query(
        v1_database,
        V1_INSERT_USER,
        {
            "id": user_id,
            "username": None,
            "nickname": "v1 newcomer",
            "image": None,
            "phone": None,
            "created": T2,
            "updated": T2,
            "last_login": T2,
        },
    )
    query(
        v1_database,
        V1_INSERT_ACCOUNT,
        {
            "id": account_id,
            "user_id": user_id,
            "provider": "naver",
            "subject": "nv-new",
            "email": None,
            "last_login": T2,
            "created": T2,
            "updated": T2,
        },
    )
    query(
        v1_database,
        V1_INSERT_AUDIT,
        {
            "id": uuid4(),
            "user_id": user_id,
            "provider": "naver",
            "jti": "jti-new",
            "ip": None,
            "agent": None,
            "issued": T2,
        },
    )
    for statement in V1_UPDATE_LOGIN:
        query(v1_database, statement, {"now": T2, "id": KAKAO_USER, "account_id": UUID(int=101)})

    found = query(v1_database, V1_USER_BY_IDENTITY, {"provider": "naver", "subject": "nv-new"})
    assert [(row[0], row[2]) for row in found] == [(user_id, "v1 newcomer")]
    audit = query(
        v1_database,
        "SELECT event, email FROM auth.login_audits, auth.users u "
        "WHERE jti = 'jti-new' AND u.id = :id",
        {"id": user_id},
    )
    assert audit == [("login_success", None)]
    kakao = query(v1_database, V1_USER_BY_IDENTITY, {"provider": "kakao", "subject": KAKAO_SUBJECT})
    assert kakao[0][7] == T2


def test_v1_delete_cascades_to_accounts_and_keeps_audits_when_schema_expanded(
    v1_database: str,
) -> None:
    migrate(v1_database)

    query(v1_database, V1_DELETE_USER, {"id": KAKAO_USER})

    view = users_service_view(v1_database)
    assert view[KAKAO_USER] == []
    assert len(view[TWO_PROVIDER_USER]) == 2
    audits = query(
        v1_database, "SELECT jti FROM auth.login_audits WHERE user_id = :id", {"id": KAKAO_USER}
    )
    assert audits == [("jti-v1-1",)]


def test_fixture_rows_are_v1s_when_read_back(v1_database: str) -> None:
    rows = query(v1_database, "SELECT id, created_at FROM auth.users ORDER BY id")

    assert sorted(rows) == sorted((u[0], T1) for u in V1_USERS)
    assert len(query(v1_database, "SELECT 1 FROM auth.user_social_accounts")) == len(V1_ACCOUNTS)
