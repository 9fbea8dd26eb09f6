"""`/c/{number}`: anyone holding a certificate (or its QR code) checks that it is genuine.

The page shows the holder's name, the event, the date of issue and whether it is valid; a revoked
certificate says so, and an erased name (consent withdrawn) is not shown. The PDF beside it is
drawn from the same row, so it says no more than the page.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events_app.services.certificates import issuing


async def verification_page(request: Request) -> Response:
    certificate = await issuing.find(request.state.store, request.path_params["number"])
    response = request.app.state.templates.TemplateResponse(request, "certificate.html", {
        "c": certificate, "zone": ZoneInfo(certificate.event_timezone)})
    response.headers["Cache-Control"] = "no-store"
    return response


async def certificate_pdf(request: Request) -> Response:
    number = request.path_params["number"]
    pdf = await issuing.certificate_pdf(request.state.store, request.state.settings, number)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="certificate-{number}.pdf"', "Cache-Control": "no-store"})


routes = [
    Route("/c/{number}", verification_page, name="certificate"),
    Route("/c/{number}/pdf", certificate_pdf, name="certificate_pdf"),
]
