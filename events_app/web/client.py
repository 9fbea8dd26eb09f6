"""Who is asking: the client's address, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request


def client_address(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    if peer is None:
        return None
    trusted = request.state.settings.trusted_proxies
    try:
        peer_ip = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if not any(peer_ip in network for network in trusted):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    # The right-most address not added by one of our own proxies is the client's.
    for item in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        try:
            address = ipaddress.ip_address(item)
        except ValueError:
            break
        if not any(address in network for network in trusted):
            return str(address)
    return peer
