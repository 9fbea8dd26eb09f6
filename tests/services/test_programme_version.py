"""Reading the programme version: requests that arrive together share a read, and none sees a
version older than the one committed when it arrived."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from events_app.services.programme import version


class HeldStore:
    """Stands in for a Store: each read takes the value at the moment it reaches the database,
    then waits until the test lets the answer through."""

    def __init__(self) -> None:
        self.value = 1
        self.reads = 0
        self.answer = asyncio.Event()
        self.reached = asyncio.Event()

    async def fetch_val(self, query: Any) -> int:
        self.reads += 1
        seen = self.value
        self.reached.set()
        await self.answer.wait()
        return seen


async def test_a_burst_of_requests_shares_one_read() -> None:
    store = HeldStore()
    burst = [asyncio.create_task(version.current(store)) for _ in range(50)]  # type: ignore[arg-type]
    await asyncio.sleep(0)
    store.answer.set()
    assert await asyncio.gather(*burst) == [1] * 50
    assert store.reads == 1


async def test_a_request_after_a_change_never_gets_a_read_that_started_before_it() -> None:
    store = HeldStore()
    early = asyncio.create_task(version.current(store))  # type: ignore[arg-type]
    await store.reached.wait()  # the early request's read is at the database
    store.value = 2  # a change commits while that read is on its way back
    late = [asyncio.create_task(version.current(store)) for _ in range(10)]  # type: ignore[arg-type]
    await asyncio.sleep(0)
    assert store.reads == 1, "the late requests must not start a read beside the one in flight"
    store.answer.set()
    assert await early == 1
    assert await asyncio.gather(*late) == [2] * 10
    assert store.reads == 2


async def test_a_failed_read_fails_the_requests_that_shared_it_and_the_next_one_reads_again() -> None:
    class FailingOnce(HeldStore):
        async def fetch_val(self, query: Any) -> int:
            self.reads += 1
            if self.reads == 1:
                raise ConnectionError("database went away")
            return self.value

    store = FailingOnce()
    burst = [asyncio.create_task(version.current(store)) for _ in range(5)]  # type: ignore[arg-type]
    results = await asyncio.gather(*burst, return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results)
    assert await version.current(store) == 1  # type: ignore[arg-type]


async def test_a_cancelled_request_does_not_cancel_the_read_others_wait_for() -> None:
    store = HeldStore()
    first = asyncio.create_task(version.current(store))  # type: ignore[arg-type]
    second = asyncio.create_task(version.current(store))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    store.answer.set()
    assert await second == 1
