from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import cast

import aio_pika
import aiormq
from aio_pika.abc import AbstractConnection
from aiormq import Channel
from pamqp.commands import Basic

from apps.auth_relay.application.entries import OutboxEvent, Refusal
from apps.auth_relay.application.errors import BrokerUnavailable

_PERSISTENT = 2


class RabbitmqEventPublisher:
    """Publishes to a durable fanout exchange on a confirm channel, one connection per replica.

    Revocations go to the fanout exchange every gateway binds; notices to the durable topic
    exchange `notice_exchange`, with their type as the routing key.

    Messages are written in order on one channel, `mandatory`, and their confirms awaited
    together. A message the broker returns (no queue bound) or nacks is a refusal of that
    message; any other failure drops the connection, which the next publish re-opens.
    """

    def __init__(
        self,
        *,
        url: str,
        exchange: str,
        notice_exchange: str,
        connection_name: str,
        connect_timeout: float,
        publish_timeout: float,
    ) -> None:
        self._url = url
        self._exchange_name = exchange
        self._notice_exchange = notice_exchange
        self._connection_name = connection_name
        self._connect_timeout = connect_timeout
        self._publish_timeout = publish_timeout
        self._connection: AbstractConnection | None = None
        self._channel: Channel | None = None
        self._opening = asyncio.Lock()

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def connect(self) -> None:
        await self._connected_channel(attempted=0)

    async def publish(self, events: Sequence[OutboxEvent]) -> list[Refusal]:
        channel = await self._connected_channel(attempted=len(events))
        try:
            async with asyncio.timeout(self._publish_timeout):
                outcomes = await asyncio.gather(
                    *(self._publish_one(channel, event) for event in events),
                    return_exceptions=True,
                )
        except TimeoutError as exc:
            await self.close()
            raise BrokerUnavailable("rabbitmq: confirms timed out", attempted=len(events)) from exc
        refused: list[Refusal] = []
        for position, (event, outcome) in enumerate(zip(events, outcomes, strict=True)):
            if not isinstance(outcome, BaseException):
                continue
            refusal = _refusal(event, outcome)
            if refusal is None:
                await self.close()
                raise BrokerUnavailable(
                    _describe(outcome), attempted=len(events), answered=position, refused=refused
                ) from outcome
            refused.append(refusal)
        return refused

    async def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await asyncio.wait_for(connection.close(), timeout=self._connect_timeout)
            except (aio_pika.exceptions.AMQPError, OSError, TimeoutError):
                return

    async def _connected_channel(self, *, attempted: int) -> Channel:
        try:
            async with self._opening:
                return await self._open()
        except (aio_pika.exceptions.AMQPError, OSError, TimeoutError, RuntimeError) as exc:
            await self.close()
            raise BrokerUnavailable(_describe(exc), attempted=attempted) from exc

    async def _open(self) -> Channel:
        if self._channel is not None and self.is_connected:
            return self._channel
        await self.close()
        connection = await aio_pika.connect(
            self._url,
            timeout=self._connect_timeout,
            client_properties={"connection_name": self._connection_name},
        )
        self._connection = connection
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.FANOUT, durable=True
        )
        await channel.declare_exchange(
            self._notice_exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        # The concrete aiormq channel: its basic_publish takes `wait`, the abstract one does not.
        self._channel = cast(Channel, await channel.get_underlay_channel())
        return self._channel

    async def _publish_one(self, channel: Channel, event: OutboxEvent) -> None:
        # aiormq's publish directly: aio-pika's Message wrapper and per-message drain wait
        # cost a third of the throughput; the broker's confirm is what we wait for. aiormq
        # matches a return to its publish by message_id, unique within a batch.
        confirmation = await channel.basic_publish(
            event.body,
            exchange=self._notice_exchange if event.topic else self._exchange_name,
            routing_key=event.topic or "",
            properties=Basic.Properties(
                delivery_mode=_PERSISTENT,
                message_id=event.entry_id,
                content_type="application/json",
            ),
            mandatory=True,
            wait=False,
        )
        if isinstance(confirmation, Basic.Ack):
            return
        if confirmation is None:
            raise BrokerUnavailable("rabbitmq: channel gave no publisher confirm")
        raise aio_pika.exceptions.DeliveryError(None, confirmation)


def _refusal(event: OutboxEvent, outcome: BaseException) -> Refusal | None:
    if isinstance(outcome, aiormq.exceptions.PublishError) and isinstance(
        outcome.frame, Basic.Return
    ):
        detail = f"returned {outcome.frame.reply_code} {outcome.frame.reply_text}"
        return Refusal(entry_id=event.entry_id, reason="unroutable", detail=detail)
    if isinstance(outcome, aiormq.exceptions.DeliveryError) and isinstance(
        outcome.frame, Basic.Nack
    ):
        return Refusal(entry_id=event.entry_id, reason="nacked", detail="nacked by the broker")
    return None


def _describe(exc: BaseException) -> str:
    return f"rabbitmq: {type(exc).__name__}: {exc}".rstrip(": ")
