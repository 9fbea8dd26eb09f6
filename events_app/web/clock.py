"""The moment a request is answered at, read from the clock the application was given.

`create_app(settings, clock=...)` keeps one clock in the lifespan state. Endpoints ask it here
instead of reading the wall clock, so every decision made from "now" (the registration window,
the day at the door, a link's age) follows the clock a test or a rehearsal sets.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request

from events_app.clock import Clock


def now(request: Request) -> datetime:
    clock: Clock = request.state.clock
    return clock.now()
