"""Pages for door staff: pairing a phone and the scanner itself (an installable web app)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from events_app.resources import STATIC_DIR
from events_app.services.checkin import devices
from events_app.web import clock

SCANNER_STATIC = STATIC_DIR / "scanner"


def _render(request: Request, template: str, context: dict[str, object], status_code: int = 200) -> Response:
    response = request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


async def scan_page(request: Request) -> Response:
    return _render(request, "scan.html", {})


async def pair_page(request: Request) -> Response:
    name, title, used = await devices.pairing_details(request.state.store, request.path_params["code"])
    return _render(request, "pair.html", {"device_name": name, "event_title": title,
                                          "code": request.path_params["code"], "used": used})


async def pair_submit(request: Request) -> Response:
    store, settings, code = request.state.store, request.state.settings, request.path_params["code"]
    try:
        name, title, token = await devices.pair(store, settings.secret_key, code, now=clock.now(request))
    except devices.DeviceRefused:
        name, title, _ = await devices.pairing_details(store, code)
        return _render(request, "pair.html", {"device_name": name, "event_title": title, "code": code, "used": True},
                       status_code=409)
    return _render(request, "pair.html", {"device_name": name, "event_title": title, "code": code, "token": token,
                                          "used": False})


async def service_worker(request: Request) -> Response:
    # Served from the root so that it may control /scan; always revalidated so updates arrive.
    return FileResponse(SCANNER_STATIC / "sw.js", media_type="text/javascript",
                        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})


async def manifest(request: Request) -> Response:
    return FileResponse(SCANNER_STATIC / "manifest.webmanifest", media_type="application/manifest+json",
                        headers={"Cache-Control": "no-cache"})


routes = [
    Route("/scan", scan_page, name="scan"),
    Route("/pair/{code}", pair_page, methods=["GET"], name="pair"),
    Route("/pair/{code}", pair_submit, methods=["POST"], name="pair_submit"),
    Route("/sw.js", service_worker, name="service_worker"),
    Route("/manifest.webmanifest", manifest, name="manifest"),
]

