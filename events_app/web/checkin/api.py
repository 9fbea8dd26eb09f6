"""JSON API for door devices: lists, offline data, redeeming tickets, search."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from events_app.domain.errors import N_, InvalidInput
from events_app.services.checkin import devices, door
from events_app.services.checkin import lists as checkin_lists
from events_app.services.checkin.devices import Device, DeviceRefused
from events_app.web import clock


async def _device(request: Request) -> Device:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DeviceRefused(N_("This phone is not connected as a door device, or it was disconnected"))
    return await devices.authenticate(request.state.store, token.strip())


async def lists(request: Request) -> Response:
    device = await _device(request)
    found = await checkin_lists.lists_with_counts(request.state.store, device.event_id)
    return JSONResponse({
        "device": {"name": device.name, "event": device.event_slug, "event_title": device.event_title,
                   "default_list": device.default_list},
        "lists": [{"name": item.name, "title": item.title, "expected": item.expected, "checked_in": item.checked_in,
                   "closed": item.closed} for item in found],
    })


async def offline(request: Request) -> Response:
    device = await _device(request)
    store = request.state.store
    checkin_list = await checkin_lists.find_list(store, device.event_id, request.path_params["name"])
    tickets = await checkin_lists.offline_tickets(store, device.event_id, checkin_list)
    return JSONResponse({
        "list": checkin_list.name, "generated_at": clock.now(request).isoformat(),
        "tickets": [{"hash": item.hash, "name": item.name, "organisation": item.organisation,
                     "category": item.category, "category_label": item.category_label,
                     "checked_in_at": item.checked_in_at.isoformat() if item.checked_in_at else None}
                    for item in tickets],
        "refused": await checkin_lists.offline_refusals(store, device.event_id, checkin_list),
    }, headers={"Cache-Control": "no-store"})


async def redeem(request: Request) -> Response:
    device = await _device(request)
    try:
        body: Any = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(N_("The request body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise InvalidInput(N_("The request body must be a JSON object"))
    now = clock.now(request)
    scan = door.parse_scan(body, now=now)
    return JSONResponse(await door.redeem(request.state.store, device, scan, now=now))


async def search(request: Request) -> Response:
    device = await _device(request)
    store = request.state.store
    checkin_list = await checkin_lists.find_list(store, device.event_id, request.query_params.get("list", ""))
    results, others = await checkin_lists.search(store, device.event_id, checkin_list,
                                                 request.query_params.get("q", "")[:100])
    return JSONResponse({"results": [{**row, "checked_in_at": row["checked_in_at"].isoformat()
                                      if row["checked_in_at"] else None} for row in results],
                         # Found, but not on this list: named with the reason, never with the secret.
                         "others": [{key: value for key, value in row.items() if key != "secret"} for row in others]},
                        headers={"Cache-Control": "no-store"})


routes = [
    Route("/checkin/lists", lists, name="api_checkin_lists"),
    Route("/checkin/lists/{name}/offline", offline, name="api_checkin_offline"),
    Route("/checkin/redeem", redeem, methods=["POST"], name="api_checkin_redeem"),
    Route("/checkin/search", search, name="api_checkin_search"),
]
