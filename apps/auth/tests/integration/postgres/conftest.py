from apps.auth.tests.pg import pg_database_url, pg_engine, pg_session_factory  # noqa: F401
