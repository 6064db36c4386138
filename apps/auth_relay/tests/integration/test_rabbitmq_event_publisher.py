from __future__ import annotations

import aio_pika
import aiormq
import pytest

from apps.auth_relay.application.entries import OutboxEvent
from apps.auth_relay.application.errors import BrokerUnavailable
from apps.auth_relay.infrastructure.rabbitmq_event_publisher import RabbitmqEventPublisher
from apps.auth_relay.tests.events import event_body
from apps.auth_relay.tests.integration.conftest import AMQP_URL, Inbox, Names, closed_port


def _publisher(exchange: str, url: str = AMQP_URL) -> RabbitmqEventPublisher:
    return RabbitmqEventPublisher(
        url=url,
        exchange=exchange,
        notice_exchange=f"{exchange}.notices",
        connection_name="relay-test",
        connect_timeout=1,
        publish_timeout=2,
    )


async def test_body_unchanged_persistent_and_entry_id_when_published(
    names: Names, inbox: Inbox
) -> None:
    publisher = _publisher(names.exchange)
    event = OutboxEvent(entry_id="1700000000000-7", body=event_body())

    await publisher.publish([event])
    await inbox.wait_for(1)
    await publisher.close()

    [message] = inbox.messages
    assert message.body == event.body
    assert message.message_id == "1700000000000-7"
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.content_type == "application/json"


async def test_order_kept_when_a_batch_is_published(names: Names, inbox: Inbox) -> None:
    publisher = _publisher(names.exchange)
    events = [OutboxEvent(entry_id=f"1700000000000-{n}", body=event_body()) for n in range(300)]

    await publisher.publish(events)
    await inbox.wait_for(300)
    await publisher.close()

    assert inbox.message_ids() == [event.entry_id for event in events]


async def test_exchange_is_a_durable_fanout_when_the_publisher_declares_it(
    names: Names,
) -> None:
    publisher = _publisher(names.exchange + ".own")
    await publisher.connect()
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel()
        same = await channel.declare_exchange(
            names.exchange + ".own", aio_pika.ExchangeType.FANOUT, durable=True, passive=False
        )
        with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):
            await channel.declare_exchange(
                names.exchange + ".own", aio_pika.ExchangeType.FANOUT, durable=False
            )
        channel = await connection.channel()
        await channel.exchange_delete(same.name)
    finally:
        await connection.close()
        await publisher.close()


async def test_broker_unavailable_when_the_port_is_closed() -> None:
    publisher = _publisher("unused", f"amqp://guest:guest@127.0.0.1:{closed_port()}/")
    events = [OutboxEvent(entry_id="1-0", body=b"{}"), OutboxEvent(entry_id="1-1", body=b"{}")]

    with pytest.raises(BrokerUnavailable) as failure:
        await publisher.publish(events)

    assert (failure.value.attempted, failure.value.confirmed) == (2, 0)
    assert not publisher.is_connected


async def test_refused_as_unroutable_when_no_queue_is_bound(names: Names) -> None:
    publisher = _publisher(names.exchange + ".unbound")
    events = [OutboxEvent(entry_id=f"1700000000000-{n}", body=event_body()) for n in range(2)]
    try:
        refused = await publisher.publish(events)
        still_connected = publisher.is_connected
    finally:
        await _delete_exchange(names.exchange + ".unbound")
        await publisher.close()

    assert [(r.entry_id, r.reason) for r in refused] == [(e.entry_id, "unroutable") for e in events]
    assert "312 NO_ROUTE" in refused[0].detail
    assert still_connected


async def test_only_the_oversized_message_nacked_when_a_queue_rejects_it(names: Names) -> None:
    publisher = _publisher(names.exchange)
    await publisher.connect()
    small = [OutboxEvent(entry_id=f"1700000000000-{n}", body=event_body()) for n in (0, 2)]
    big = OutboxEvent(entry_id="1700000000000-1", body=b"x" * 8000)
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(
            names.queue, arguments={"x-max-length-bytes": 4000, "x-overflow": "reject-publish"}
        )
        await queue.bind(names.exchange)

        refused = await publisher.publish([small[0], big, small[1]])
        depth = (await channel.declare_queue(names.queue, passive=True)).declaration_result
        await queue.delete(if_unused=False, if_empty=False)
    finally:
        await connection.close()
        await _delete_exchange(names.exchange)
        await publisher.close()

    assert [(r.entry_id, r.reason) for r in refused] == [(big.entry_id, "nacked")]
    assert depth.message_count == 2


async def _delete_exchange(name: str) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel()
        await channel.exchange_delete(name)
    finally:
        await connection.close()
