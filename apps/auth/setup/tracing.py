from __future__ import annotations

import logging

from fastapi import FastAPI

logger = logging.getLogger("auth.tracing")


def configure_tracing(app: FastAPI, endpoint: str | None, service: str, release: str) -> bool:
    """OpenTelemetry over OTLP/HTTP when an endpoint is configured; nothing at all otherwise."""
    if not endpoint:
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "deployment.track": release})
    )
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces", timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    app.state.tracer_provider = provider
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls="health,ready,metrics"
    )
    logger.info("tracing enabled", extra={"otlp_endpoint": endpoint})
    return True
