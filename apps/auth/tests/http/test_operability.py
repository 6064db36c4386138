from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from apps.auth.tests.support import API, dev_login


async def test_request_id_echoed_when_client_sends_one(api):
    response = await api.client.get(f"{API}/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_request_id_generated_when_client_sends_garbage(api):
    response = await api.client.get(
        f"{API}/health", headers={"X-Request-ID": "bad id\twith spaces"}
    )
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 32
    generated = {(await api.client.get(f"{API}/health")).headers["x-request-id"] for _ in range(50)}
    assert len(generated) == 50
    assert all(len(rid) == 32 and int(rid, 16) >= 0 for rid in generated)


async def test_release_headers_on_every_response_including_errors(app_factory):
    async with app_factory(release="canary", version="2.1.0") as t:
        for path in (f"{API}/health", f"{API}/me", "/nowhere"):
            response = await t.client.get(path)
            assert response.headers["x-auth-release"] == "canary"
            assert response.headers["x-auth-version"] == "2.1.0"
        health = await t.client.get("/health")
        assert health.json()["release"] == "canary"


async def test_unknown_route_gives_json_error_code(api):
    response = await api.client.get("/api/v1/auth/nothing/here/at/all")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


async def test_metrics_count_logins_and_routes_as_templates(api):
    await dev_login(api.client)
    text = (await api.client.get("/metrics")).text
    assert 'auth_logins_total{provider="dev",result="success"} 1.0' in text
    assert 'route="/api/v1/auth/{provider}/callback"' in text
    assert "code=" not in text and "state=" not in text


async def test_tracing_on_only_when_otlp_endpoint_configured(app_factory, fake_provider):
    async with app_factory() as plain:
        assert not getattr(plain.app, "_is_instrumented_by_opentelemetry", False)
    async with app_factory(otel_endpoint=fake_provider.base_url) as traced:
        assert traced.app._is_instrumented_by_opentelemetry
        assert (await traced.client.get(f"{API}/health")).status_code == 200
        traced.app.state.tracer_provider.shutdown()


async def test_hot_routes_are_traced_under_their_route_names(app_factory, fake_provider):
    async with app_factory(otel_endpoint=fake_provider.base_url) as traced:
        memory = InMemorySpanExporter()
        traced.app.state.tracer_provider.add_span_processor(SimpleSpanProcessor(memory))
        assert (await traced.client.get(f"{API}/verify")).status_code == 401
        assert (await traced.client.post(f"{API}/refresh")).status_code == 401
        names = {span.name for span in memory.get_finished_spans()}
        traced.app.state.tracer_provider.shutdown()
    assert {f"GET {API}/verify", f"POST {API}/refresh"} <= names


async def test_access_log_is_json_with_request_id_and_no_token(api, caplog):
    caplog.set_level(logging.INFO, logger="auth.access")
    logged = await dev_login(api.client)
    await api.client.get(f"{API}/me", headers={"X-Request-ID": "trace-me"})
    records = [r for r in caplog.records if getattr(r, "request_id", None) == "trace-me"]
    assert records and records[0].route == "/api/v1/auth/me"
    assert all(logged.access not in r.getMessage() for r in caplog.records)
    assert all(logged.access not in json.dumps(r.__dict__, default=str) for r in caplog.records)
