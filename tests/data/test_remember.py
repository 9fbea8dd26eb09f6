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


async def test_remember_answers_a_just_stale_entry_at_once_while_one_load_refreshes_it(store: Store) -> None:
    clock = [100.0]
    store._clock = lambda: clock[0]
    release = asyncio.Event()
    values = iter(["first", "second"])
    loads = 0

    async def load() -> str:
        nonlocal loads
        loads += 1
        if loads > 1:
            await release.wait()
        return next(values)

    assert await store.remember("lists", 5, load) == "first"
    clock[0] = 106.0  # past its 5 s, within twice that: no scanner waits for the reload
    assert await store.remember("lists", 5, load) == "first"
    assert await store.remember("lists", 5, load) == "first"
    await asyncio.sleep(0)
    assert loads == 2  # one refresh for both
    release.set()
    clock[0] = 120.0  # now too old to answer from memory: waits for the refresh already running
    assert await store.remember("lists", 5, load) == "second"
    assert loads == 2


async def test_remember_waits_for_the_load_when_the_entry_is_long_stale(store: Store) -> None:
    clock = [100.0]
    store._clock = lambda: clock[0]
    values = iter(["before", "after"])

    async def load() -> str:
        await asyncio.sleep(0)
        return next(values)

    assert await store.remember("device", 5, load) == "before"
    clock[0] = 111.0  # more than twice 5 s old: never answered from memory
    assert await store.remember("device", 5, load) == "after"


async def test_remember_forget_is_not_answered_from_the_stale_entry(store: Store) -> None:
    clock = [100.0]
    store._clock = lambda: clock[0]
    values = iter(["before", "after"])

    async def load() -> str:
        return next(values)

    assert await store.remember("device", 5, load) == "before"
    clock[0] = 106.0
    store.forget("device")
    assert await store.remember("device", 5, load) == "after"
