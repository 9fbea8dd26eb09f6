"""Door devices: created by an organiser, paired by opening a one-time link on a phone."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.checkin import token_hash
from events_app.domain.errors import N_, DomainError, InvalidInput, NotFound
from events_app.domain.staff import StaffMember
from events_app.services.checkin import lists
from events_app.services.staff import audit


class DeviceRefused(DomainError):
    code = "unauthorized"


@dataclass(frozen=True)
class Device:
    id: int
    event_id: int
    event_slug: str
    event_title: str
    timezone: str
    name: str
    default_list: str


@dataclass(frozen=True)
class NewDevice:
    id: int
    token: str
    pairing_code: str


def _device_token(secret_key: str, code: str) -> str:
    """The token follows from the pairing code and the service's key, so neither is stored:
    the pairing page can hand over the same token the organiser was shown."""
    digest = hmac.new(secret_key.encode(), f"device-token:{code}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def create_device(store: Store, secret_key: str, *, slug: str, list_name: str, name: str,
                        now: datetime) -> NewDevice:
    """A device for one event, opening on `list_name`; refuses an unknown list with the valid names."""
    event_id = await event_id_of(store, slug)
    if not name.strip():
        raise DomainError(N_("Give the device a name, such as «Вход 1»"))
    names = [item.name for item in await lists.lists_of_event(store, event_id)]
    if list_name not in names:
        raise DomainError(f"Unknown list {list_name!r}; the lists of {slug} are: {', '.join(names)}")
    code = secrets.token_urlsafe(16)
    token = _device_token(secret_key, code)
    async with store.transaction():
        device_id = await store.insert(t.devices.insert().values(
            event_id=event_id, name=name.strip(), default_list=list_name, token_hash=token_hash(token),
            pairing_hash=token_hash(code), created_at=now).returning(t.devices.c.id))
    return NewDevice(device_id, token, code)


async def pairing_details(store: Store, code: str) -> tuple[str, str, bool]:
    """Device name, event title, and whether the link was used already."""
    row = await store.fetch_one(
        sa.select(t.devices.c.name, t.devices.c.paired_at, t.devices.c.revoked_at, t.events.c.title)
        .join(t.events, t.events.c.id == t.devices.c.event_id)
        .where(t.devices.c.pairing_hash == token_hash(code)))
    if row is None or row["revoked_at"] is not None:
        raise NotFound(N_("This device link is not valid. Ask the organiser for a new one."))
    return row["name"], row["title"], row["paired_at"] is not None


async def pair(store: Store, secret_key: str, code: str, *, now: datetime) -> tuple[str, str, str]:
    """Hand the device's token to the phone that opened the link: once, never again."""
    async with store.transaction():
        row = await store.fetch_one(
            sa.select(t.devices.c.id, t.devices.c.name, t.devices.c.paired_at, t.devices.c.revoked_at, t.events.c.title)
            .join(t.events, t.events.c.id == t.devices.c.event_id)
            .where(t.devices.c.pairing_hash == token_hash(code)).with_for_update())
        if row is None or row["revoked_at"] is not None:
            raise NotFound(N_("This device link is not valid. Ask the organiser for a new one."))
        if row["paired_at"] is not None:
            raise DeviceRefused(N_("This link has been used already. Ask the organiser for a new device link."))
        await store.execute(t.devices.update().where(t.devices.c.id == row["id"]).values(paired_at=now))
    return row["name"], row["title"], _device_token(secret_key, code)


# A revocation by this process applies at once; one made by another process within twice this
# time (`Store.remember` answers a just-stale entry while it reloads).
REMEMBER_SECONDS = 5.0


async def authenticate(store: Store, token: str) -> Device:
    hashed = token_hash(token)
    return await store.remember(("device", hashed), REMEMBER_SECONDS, lambda: _authenticate(store, hashed))


async def _authenticate(store: Store, hashed: str) -> Device:
    row = await store.fetch_one(
        sa.select(t.devices, t.events.c.slug, t.events.c.title, t.events.c.timezone)
        .join(t.events, t.events.c.id == t.devices.c.event_id)
        .where(t.devices.c.token_hash == hashed))
    if row is None or row["revoked_at"] is not None:
        raise DeviceRefused(N_("This phone is not connected as a door device, or it was disconnected"))
    return Device(id=row["id"], event_id=row["event_id"], event_slug=row["slug"], event_title=row["title"],
                  timezone=row["timezone"], name=row["name"], default_list=row["default_list"])


async def revoke_device(store: Store, device_id: int, *, now: datetime) -> None:
    async with store.transaction():
        found = await store.fetch_val(sa.select(t.devices.c.id).where(t.devices.c.id == device_id))
        if found is None:
            raise NotFound(N_("No such device"))
        await store.execute(t.devices.update().where(t.devices.c.id == device_id).values(revoked_at=now))
        hashed = await store.fetch_val(sa.select(t.devices.c.token_hash).where(t.devices.c.id == device_id))
    store.forget(("device", hashed))


async def event_id_of(store: Store, slug: str) -> int:
    event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == slug))
    if event_id is None:
        raise NotFound(N_("No such event"))
    return int(event_id)


# --- Devices in the organiser workspace: listed, created and revoked by an organiser, audited ----

@dataclass(frozen=True)
class DeviceRow:
    id: int
    name: str
    default_list: str
    paired_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


async def list_devices(store: Store, event_id: int) -> list[DeviceRow]:
    rows = await store.fetch_all(sa.select(t.devices).where(t.devices.c.event_id == event_id)
                                 .order_by(t.devices.c.revoked_at.is_not(None), t.devices.c.id))
    return [DeviceRow(id=row["id"], name=row["name"], default_list=row["default_list"], paired_at=row["paired_at"],
                      revoked_at=row["revoked_at"], created_at=row["created_at"]) for row in rows]


async def create_event_device(store: Store, secret_key: str, *, event_id: int, list_name: str, name: str,
                              actor: StaffMember, ip: str | None, now: datetime) -> NewDevice:
    """`create_device` with its problems named per field, and the creation audited with it."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = N_("Give the device a name, such as «Вход 1»")
    elif len(name.strip()) > 100:
        errors["name"] = N_("Use at most 100 characters")
    if list_name not in {item.name for item in await lists.lists_of_event(store, event_id)}:
        errors["list"] = N_("Choose one of the event's lists")
    if errors:
        raise InvalidInput(N_("The device could not be created"), fields=errors)
    slug = await store.fetch_val(sa.select(t.events.c.slug).where(t.events.c.id == event_id))
    async with store.transaction():
        created = await create_device(store, secret_key, slug=slug, list_name=list_name, name=name, now=now)
        await audit.record(store, actor=actor, action="device.create", subject=name.strip(), event_id=event_id,
                           details={"device_id": created.id, "list": list_name}, ip=ip, now=now)
    return created


async def revoke_event_device(store: Store, *, event_id: int, device_id: int, actor: StaffMember, ip: str | None,
                              now: datetime) -> None:
    """Disconnect a device of this event; its phone stops scanning (other processes within seconds)."""
    async with store.transaction():
        row = await store.fetch_one(sa.select(t.devices).where(t.devices.c.id == device_id,
                                                               t.devices.c.event_id == event_id))
        if row is None:
            raise NotFound(N_("No such device"))
        if row["revoked_at"] is None:
            await store.execute(t.devices.update().where(t.devices.c.id == device_id).values(revoked_at=now))
            await audit.record(store, actor=actor, action="device.revoke", subject=row["name"], event_id=event_id,
                               details={"device_id": device_id}, ip=ip, now=now)
    store.forget(("device", row["token_hash"]))
