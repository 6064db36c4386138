"""New-device and compromised-session notices, from a sign-in through the API, the Redis
outbox and the real relay to a RabbitMQ queue bound to the notice exchange."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage
from jsonschema import Draft202012Validator

from apps.auth.tests.http.activity_clients import ANDROID, IPHONE, KAKAO, browsers
from apps.auth.tests.support import API, dev_login, refresh_header
from apps.auth_relay.setup.runner import RelayApp
from apps.auth_relay.tests.integration.conftest import (  # noqa: F401
    AMQP_URL,
    Inbox,
    Names,
    inbox,
    names,
    relay_settings,
)
from apps.auth_relay.tests.integration.relay_running import running

SCHEMAS = Path(__file__).resolve().parents[4] / "docs" / "schemas"


@asynccontextmanager
async def notice_queue(exchange: str) -> AsyncIterator[Inbox]:
    """A queue bound to the notice exchange for every `auth.*` routing key."""
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    topic = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(f"{exchange}.inbox", durable=True)
    await queue.bind(topic, routing_key="auth.*")
    received = Inbox()

    async def collect(message: AbstractIncomingMessage) -> None:
        received.messages.append(message)
        await message.ack()

    tag = await queue.consume(collect)
    try:
        yield received
    finally:
        await queue.cancel(tag)
        await queue.delete(if_unused=False, if_empty=False)
        await topic.delete()
        await connection.close()


def _valid(body: bytes, kind: str) -> dict[str, Any]:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    event = json.loads(body)
    assert list(validator.iter_errors(event)) == []
    return dict(event)


@pytest.fixture
async def world(
    app_factory: Callable[..., Any],
    names: Names,  # noqa: F811
    inbox: Inbox,  # noqa: F811
) -> AsyncIterator[tuple[Any, Inbox]]:
    exchange = f"{names.exchange}.notices"
    relay = RelayApp(settings=relay_settings(names, notice_exchange=exchange))
    async with (
        notice_queue(exchange) as notices,
        app_factory(outbox_stream=names.stream, trusted_proxy_hops=1) as api,
        running(relay),
    ):
        yield api, notices


async def test_one_new_device_notice_reaches_the_queue_when_only_a_new_device_signs_in(
    world: tuple[Any, Inbox],
) -> None:
    api, notices = world
    name = f"notice-{uuid4().hex[:8]}"
    async with browsers(api) as open_browser:
        phone = await open_browser(IPHONE, "203.0.113.10")
        same_phone_same_network = await open_browser(IPHONE, "203.0.113.200")
        kakao = await open_browser(KAKAO, "198.51.100.7")
        await dev_login(phone, name=name)
        await dev_login(phone, name=name)
        await dev_login(same_phone_same_network, name=name)
        await notices.settle()
        assert notices.messages == []

        login = await dev_login(kakao, name=name)
        await notices.wait_for(1)
        await notices.settle()
        await api.runtime.storage.flush_audit()
        activity = (await kakao.get(f"{API}/me/activity")).json()

    [message] = notices.messages
    assert message.routing_key == "auth.new_device_sign_in"
    assert message.content_type == "application/json" and message.delivery_mode == 2
    event = _valid(message.body, "auth.new_device_sign_in")
    assert event["user_id"] == login.claims["sub"]
    assert event["network"] == "198.51.100.x"
    assert event["device"]["label"] == "KakaoTalk in-app browser"
    marked = [item for item in activity["items"] if item["new_device"]]
    assert [item["id"] for item in marked] == [event["event_id"]]


async def test_compromised_session_notice_reaches_the_queue_when_a_refresh_token_is_reused(
    world: tuple[Any, Inbox],
) -> None:
    api, notices = world
    async with browsers(api) as open_browser:
        owner = await open_browser(IPHONE, "203.0.113.10")
        thief = await open_browser(ANDROID, "192.0.2.99")
        login = await dev_login(owner)
        assert (await owner.post(f"{API}/refresh")).status_code == 201
        reused = await thief.post(f"{API}/refresh", headers=refresh_header(login.refresh))
        assert reused.status_code == 401
        await notices.wait_for(1)
        await notices.settle()

    [message] = notices.messages
    assert message.routing_key == "auth.session_compromised"
    event = _valid(message.body, "auth.session_compromised")
    assert event["user_id"] == login.claims["sub"]
    assert event["device"]["label"] == "Chrome · Android"
    assert event["network"] == "192.0.2.x"
    assert login.refresh not in message.body.decode()
    assert login.claims["jti"] not in message.body.decode()
