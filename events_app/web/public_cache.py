"""Answers of public pages, the JSON programme and the feeds, remembered per programme version.

A cached answer costs one small read (the programme version, see `services.programme.version`)
and a dictionary look-up; a client that sends back the ETag gets 304. The key holds everything
an answer depends on besides the programme: the path and query, the interface language and the
host the links are made for. Pages that also depend on the hour (the registration form closes at
a set moment) are remembered for a short time only. Nothing private goes in here: endpoints that
read a cookie, a token or the staff session are never wrapped.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from events_app import i18n
from events_app.services.programme import version

Endpoint = Callable[[Request], Awaitable[Response]]
Key = tuple[str, str, str, str, str, int]

# Pages may also depend on the clock (an event's registration window opens and closes at set
# moments): such answers are kept this long at most.
PAGE_SECONDS = 30.0

# Headers an endpoint sets that belong to the content (others are added per response by middleware).
_KEPT_HEADERS = ("content-type", "content-disposition", "cache-control", "vary")


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110, 13.1.2: `*` or any listed tag, compared weakly (a W/ prefix does not matter)."""
    if not if_none_match:
        return False
    listed = [candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")]
    return "*" in listed or tag in listed


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str
    expires: float | None

    def response(self, request: Request) -> Response:
        headers = dict(self.headers)
        headers["ETag"] = self.etag
        if matches(request.headers.get("if-none-match"), self.etag):
            return Response(status_code=304, headers={
                name: value for name, value in headers.items() if name.lower() not in ("content-type",
                                                                                       "content-disposition")})
        return Response(self.body, headers=headers)


class PublicCache:
    """A bounded LRU of answers: by count and by total size, so odd query strings cannot fill memory."""

    def __init__(self, *, entries: int = 4096, max_bytes: int = 128 * 1024 * 1024,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._answers: OrderedDict[Key, Answer] = OrderedDict()
        self._entries = entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._building: dict[Key, asyncio.Future[Answer | None]] = {}
        self._monotonic = monotonic
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> Answer | None:
        answer = self._answers.get(key)
        if answer is None or (answer.expires is not None and answer.expires <= self._monotonic()):
            self.misses += 1
            return None
        self._answers.move_to_end(key)
        self.hits += 1
        return answer

    def put(self, key: Key, answer: Answer) -> None:
        previous = self._answers.pop(key, None)
        if previous is not None:
            self._bytes -= len(previous.body)
        self._answers[key] = answer
        self._bytes += len(answer.body)
        while self._answers and (len(self._answers) > self._entries or self._bytes > self._max_bytes):
            _, dropped = self._answers.popitem(last=False)
            self._bytes -= len(dropped.body)

    def building(self, key: Key) -> asyncio.Future[Answer | None] | None:
        return self._building.get(key)

    @contextmanager
    def build(self, key: Key) -> Iterator[Callable[[Answer], None]]:
        """Mark `key` as being built; those who wait get the answer, or None if it was not kept."""
        future: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        self._building[key] = future

        def finished(answer: Answer) -> None:
            if not future.done():
                future.set_result(answer)

        try:
            yield finished
        finally:
            if self._building.get(key) is future:
                del self._building[key]
            if not future.done():
                future.set_result(None)

    def expiry(self, seconds: float | None) -> float | None:
        return None if seconds is None else self._monotonic() + seconds


def remembered(endpoint: Endpoint, *, seconds: float | None = None) -> Endpoint:
    """Wrap a public endpoint: answer from the cache while the programme version is the same.

    `seconds` bounds how long an answer is kept even when nothing changed, for pages that also
    depend on the clock. Only 200 answers with a body are kept; errors go through every time.
    """
    async def cached_endpoint(request: Request) -> Response:
        cache: PublicCache = request.state.public_cache
        current = await version.current(request.state.store)
        key: Key = (endpoint.__qualname__, request.url.path, request.url.query, i18n.current_language(),
                    request.headers.get("host", ""), current)
        answer = cache.get(key)
        if answer is not None:
            return answer.response(request)
        building = cache.building(key)
        if building is not None:
            # Someone is making this answer right now: wait for it rather than make it again, so
            # a burst right after a change costs one build, not one per waiting connection.
            answer = await asyncio.shield(building)
            if answer is not None:
                return answer.response(request)
        with cache.build(key) as finished:
            response = await endpoint(request)
            if response.status_code != 200 or not isinstance(response.body, bytes):
                return response
            kept = tuple((name, value) for name, value in response.headers.items()
                         if name.lower() in _KEPT_HEADERS)
            if not any(name.lower() == "cache-control" for name, _ in kept):
                # Keep a copy but ask each time: the ETag makes asking cheap.
                kept += (("Cache-Control", "no-cache"),)
            answer = Answer(response.body, kept, response.headers.get("etag") or entity_tag(response.body),
                            cache.expiry(seconds))
            cache.put(key, answer)
            finished(answer)
        return answer.response(request)

    cached_endpoint.__name__ = endpoint.__name__
    cached_endpoint.__qualname__ = endpoint.__qualname__
    cached_endpoint.__doc__ = endpoint.__doc__
    return cached_endpoint
