"""What v2 needs beyond v1's tables, added so that v1 keeps working beside it.

Expand only: every addition is nullable or has a default, so v1's INSERT and UPDATE
statements run unchanged, and nothing is renamed or retyped. Two v1 rules are relaxed:
- login_audits.user_id, provider and jti accept NULL: v2 also records failed logins (no user)
  and refreshes, logouts and deletions (no new token id);
- login_audits loses its foreign key to users: v2 keeps an account's audit trail, including
  the record of its deletion, after the account is gone, and a late audit write about a user
  deleted a moment earlier must not fail. v1 only inserts into this table, so the one thing
  that changes for v1 is that its own user deletions leave their audit rows in place.
v2 reads and writes v1's user_social_accounts; v2's earlier own table for it is not created.

Revision ID: 0002_v2_expand
Revises: 0001_v1_baseline
Create Date: 2026-11-29 00:00:01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_v2_expand"
down_revision: str | None = "0001_v1_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each ALTER takes a short ACCESS EXCLUSIVE lock but none rewrites a table (constant defaults,
# DROP NOT NULL and dropping a constraint are catalogue changes). A lock that cannot be had
# within the timeout fails the migration instead of queueing v1's traffic behind it.
STATEMENTS = [
    "SET LOCAL lock_timeout = '5s'",
    "ALTER TABLE auth.users ADD COLUMN IF NOT EXISTS email text",
    """
    ALTER TABLE auth.login_audits
        ADD COLUMN IF NOT EXISTS event varchar(32) NOT NULL DEFAULT 'login_success',
        ADD COLUMN IF NOT EXISTS reason text,
        ALTER COLUMN user_id DROP NOT NULL,
        ALTER COLUMN provider DROP NOT NULL,
        ALTER COLUMN jti DROP NOT NULL
    """,
    # The key's name depends on how v1 created the table (its SQL file or its ORM), so it is
    # looked up in the catalogue rather than named.
    """
    DO $$
    DECLARE
        key_name text;
    BEGIN
        FOR key_name IN
            SELECT c.conname FROM pg_constraint c
            WHERE c.conrelid = 'auth.login_audits'::regclass AND c.contype = 'f'
        LOOP
            EXECUTE format('ALTER TABLE auth.login_audits DROP CONSTRAINT %I', key_name);
        END LOOP;
    END $$
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError(
        "schema auth is expand-only: v1 runs on the expanded schema as it is; roll back by "
        "deploying the previous image, the schema stays"
    )
