"""The Store's short memory for hot, rarely changing reads (door devices, check-in lists)."""

from __future__ import annotations

import asyncio

from events_app.data.database import Store


async def test_remember_concurrent_misses_share_one_load(store: Store) -> None:
    loads = 0
    release = asyncio.Event()

    async def load() -> str:
        nonlocal loads
        loads += 1
        await release.wait()
        return "device"

    waiting = [asyncio.create_task(store.remember(("device", "x"), 5, load)) for _ in range(32)]
    await asyncio.sleep(0)
    release.set()

    assert await asyncio.gather(*waiting) == ["device"] * 32
    assert loads == 1
    assert await store.remember(("device", "x"), 5, load) == "device"
    assert loads == 1


async def test_remember_does_not_keep_a_value_forgotten_while_loading(store: Store) -> None:
    release = asyncio.Event()
    values = iter(["before the change", "after the change"])

    async def load() -> str:
        await release.wait()
        return next(values)

    loading = asyncio.create_task(store.remember("lists", 5, load))
    await asyncio.sleep(0)
    store.forget("lists")
    release.set()

    assert await loading == "before the change"
    assert await store.remember("lists", 5, load) == "after the change"


async def test_remember_one_waiter_cancelled_leaves_the_others_their_value(store: Store) -> None:
    release = asyncio.Event()

    async def load() -> int:
        await release.wait()
        return 7

    first = asyncio.create_task(store.remember("k", 5, load))
    second = asyncio.create_task(store.remember("k", 5, load))
    await asyncio.sleep(0)
    first.cancel()
    release.set()

    assert await second == 7
