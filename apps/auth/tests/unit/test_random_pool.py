"""The random pool hands every byte it read out once: across calls, refills, threads and forks."""

from __future__ import annotations

import os
import threading
import uuid

from apps.auth.infrastructure.random_pool import SYSTEM_POOL, RandomPool
from apps.auth.infrastructure.system import RandomIdGenerator


def test_values_never_repeat_across_many_refills() -> None:
    pool = RandomPool(chunk_bytes=64)

    values = [pool.take(16) for _ in range(5_000)]

    assert all(len(value) == 16 for value in values)
    assert len(set(values)) == len(values)


def test_a_value_longer_than_the_chunk_is_read_whole() -> None:
    pool = RandomPool(chunk_bytes=16)

    first, long, after = pool.take(8), pool.take(100), pool.take(8)

    assert (len(first), len(long), len(after)) == (8, 100, 8)
    assert len({first, long[:8], after}) == 3


def test_threads_taking_at_once_get_distinct_values() -> None:
    pool = RandomPool(chunk_bytes=256)
    taken: list[list[bytes]] = [[] for _ in range(8)]

    def take(into: list[bytes]) -> None:
        into.extend(pool.take(16) for _ in range(2_000))

    threads = [threading.Thread(target=take, args=(into,)) for into in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [value for values in taken for value in values]
    assert len(set(every)) == len(every) == 16_000


def test_a_forked_child_does_not_hand_out_its_parents_next_bytes() -> None:
    SYSTEM_POOL.take(16)  # the pool holds unread bytes when the process forks
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(writer, SYSTEM_POOL.take(16))
        os._exit(0)
    os.close(writer)
    in_child = os.read(reader, 16)
    os.close(reader)
    os.waitpid(child, 0)

    assert len(in_child) == 16
    assert in_child != SYSTEM_POOL.take(16)


def test_ids_are_version_4_uuids_and_32_hex_digit_token_ids() -> None:
    ids = RandomIdGenerator(pool=RandomPool(chunk_bytes=64))

    entity, token = ids.new_uuid(), ids.new_token_id()

    assert (entity.version, entity.variant) == (4, uuid.RFC_4122)
    assert len(token) == 32 and int(token, 16) >= 0
    assert ids.new_token_id() != token and ids.new_uuid() != entity
