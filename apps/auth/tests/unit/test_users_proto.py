"""The users-service stubs are what `grpc_tools.protoc` writes from our users.proto today, and
the proto keeps the documented wire contract (names and field numbers)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from apps.auth.infrastructure.users_grpc import users_pb2 as pb

ROOT = Path(__file__).resolve().parents[4]
PACKAGE = Path("apps/auth/infrastructure/users_grpc")


def test_stubs_match_when_regenerated_from_proto(tmp_path: Path) -> None:
    (tmp_path / PACKAGE).mkdir(parents=True)
    shutil.copy(ROOT / PACKAGE / "users.proto", tmp_path / PACKAGE / "users.proto")

    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I.",
            "--python_out=.",
            "--pyi_out=.",
            str(PACKAGE / "users.proto"),
        ],
        cwd=tmp_path,
        check=True,
    )

    for stub in ("users_pb2.py", "users_pb2.pyi"):
        assert (tmp_path / PACKAGE / stub).read_text() == (ROOT / PACKAGE / stub).read_text()


def test_field_numbers_match_users_service_when_read_from_descriptors() -> None:
    # eco2-team/backend@4c3eebb3 apps/users/presentation/grpc/protos/users.proto
    expected = {
        "GetOrCreateFromOAuthRequest": {
            "provider": 1,
            "provider_user_id": 2,
            "email": 3,
            "nickname": 4,
            "profile_image_url": 5,
        },
        "GetOrCreateFromOAuthResponse": {"user": 1, "social_account": 2, "is_new_user": 3},
        "GetUserRequest": {"user_id": 1},
        "GetUserResponse": {"user": 1},
        "UpdateLoginTimeRequest": {"user_id": 1, "provider": 2, "provider_user_id": 3},
        "UpdateLoginTimeResponse": {"success": 1},
        "UserInfo": {
            "id": 1,
            "nickname": 3,
            "profile_image_url": 4,
            "phone_number": 5,
            "created_at": 6,
            "updated_at": 7,
            "last_login_at": 8,
        },
        "SocialAccountInfo": {
            "id": 1,
            "user_id": 2,
            "provider": 3,
            "provider_user_id": 4,
            "email": 5,
            "created_at": 6,
            "last_login_at": 7,
        },
    }
    for message, fields in expected.items():
        descriptor = pb.DESCRIPTOR.message_types_by_name[message]
        assert {f.name: f.number for f in descriptor.fields} == fields, message
    service = pb.DESCRIPTOR.services_by_name["UsersService"]
    assert service.full_name == "users.UsersService"
    assert sorted(m.name for m in service.methods) == [
        "GetOrCreateFromOAuth",
        "GetUser",
        "UpdateLoginTime",
    ]
