"""Staff accounts: creating them, granting roles, signing in and out.

Passwords are hashed with Argon2 (in a worker thread: a hash takes tens of milliseconds of CPU).
A sign-in creates a row in `staff_sessions` holding the SHA-256 of the cookie's value and the
session's CSRF token, so every app process recognises the same browser.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from events_app.data import tables as t
from events_app.data.database import INTEGRITY_ERRORS, Store
from events_app.domain.audit import COMMAND_LINE
from events_app.domain.errors import N_, InvalidInput, NotFound
from events_app.domain.registration import EMAIL_PATTERN
from events_app.domain.staff import Role, StaffMember
from events_app.services import rate_limit
from events_app.services.staff import audit

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
LOGIN_PER_ACCOUNT = rate_limit.Limit("login-account", 10, timedelta(minutes=15))
LOGIN_PER_ADDRESS = rate_limit.Limit("login-address", 30, timedelta(minutes=15))

_hasher = PasswordHasher()
# Checked when the e-mail is unknown, so that a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class LoginRefused(InvalidInput):
    code = "login_refused"


@dataclass(frozen=True)
class HeldRole:
    """A role an account holds in one event; the page names the event by its title, the form by its slug."""

    slug: str
    event_title: str
    role: str
    visitor_data: bool
    event_title_en: str | None = None


@dataclass(frozen=True)
class StaffAccount:
    id: int
    email: str
    name: str
    is_admin: bool
    disabled: bool
    roles: tuple[HeldRole, ...]


@dataclass(frozen=True)
class SignIn:
    token: str
    member: StaffMember


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(N_("The password is too short"),
                           fields={"password": N_("Use at least 10 characters")})


async def create_staff(store: Store, *, email: str, name: str, password: str, is_admin: bool, now: datetime,
                       actor: StaffMember | None = None, ip: str | None = None) -> int:
    email = normalise_email(email)
    errors: dict[str, str] = {}
    if not EMAIL_PATTERN.match(email):
        errors["email"] = N_("Enter an e-mail address such as name@example.ru")
    if not name.strip():
        errors["name"] = N_("Enter the person's name")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = N_("Use at least 10 characters")
    if errors:
        raise InvalidInput(N_("The account could not be created"), fields=errors)
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    try:
        async with store.transaction():
            staff_id = await store.insert(t.staff.insert().values(
                email=email, name=name.strip(), password_hash=password_hash, is_admin=is_admin, created_at=now)
                .returning(t.staff.c.id))
            await audit.record(store, actor=actor, action="staff.create", subject=email, now=now, ip=ip,
                               details={"admin": is_admin}, actor_label=COMMAND_LINE)
    except INTEGRITY_ERRORS:
        raise InvalidInput(N_("The account could not be created"),
                           fields={"email": N_("There is already an account with this e-mail")}) from None
    return staff_id


async def grant_role(store: Store, *, staff_id: int, event_id: int, role: Role, now: datetime,
                     visitor_data: bool = False, actor: StaffMember | None = None, ip: str | None = None) -> None:
    async with store.transaction():
        email = await store.fetch_val(sa.select(t.staff.c.email).where(t.staff.c.id == staff_id))
        if email is None:
            raise NotFound(N_("No such account"))
        await store.execute(t.staff_roles.delete().where(
            t.staff_roles.c.staff_id == staff_id, t.staff_roles.c.event_id == event_id,
            t.staff_roles.c.role == role.value))
        await store.execute(t.staff_roles.insert().values(
            staff_id=staff_id, event_id=event_id, role=role.value,
            visitor_data=visitor_data and role is Role.ORGANISER))
        await audit.record(store, actor=actor, action="staff.grant", subject=email, now=now,
                           event_id=event_id, ip=ip, details={"role": role.value, "visitor_data": visitor_data},
                           actor_label=COMMAND_LINE)


async def revoke_role(store: Store, *, staff_id: int, event_id: int, role: Role, now: datetime,
                      actor: StaffMember | None, ip: str | None = None) -> None:
    async with store.transaction():
        email = await store.fetch_val(sa.select(t.staff.c.email).where(t.staff.c.id == staff_id))
        if email is None:
            raise NotFound(N_("No such account"))
        await store.execute(t.staff_roles.delete().where(
            t.staff_roles.c.staff_id == staff_id, t.staff_roles.c.event_id == event_id,
            t.staff_roles.c.role == role.value))
        await audit.record(store, actor=actor, action="staff.revoke", subject=email, now=now,
                           event_id=event_id, ip=ip, details={"role": role.value})


async def set_disabled(store: Store, *, staff_id: int, disabled: bool, now: datetime, actor: StaffMember,
                       ip: str | None = None) -> None:
    """A disabled account cannot sign in, and its open sessions end at once."""
    async with store.transaction():
        email = await store.fetch_val(sa.select(t.staff.c.email).where(t.staff.c.id == staff_id))
        if email is None:
            raise NotFound(N_("No such account"))
        await store.execute(t.staff.update().where(t.staff.c.id == staff_id)
                            .values(disabled_at=now if disabled else None))
        if disabled:
            await store.execute(t.staff_sessions.delete().where(t.staff_sessions.c.staff_id == staff_id))
        await audit.record(store, actor=actor, action="staff.disable" if disabled else "staff.enable",
                           subject=email, now=now, ip=ip)


async def accounts(store: Store) -> list[StaffAccount]:
    rows = await store.fetch_all(sa.select(t.staff).order_by(t.staff.c.name, t.staff.c.email))
    roles = await store.fetch_all(
        sa.select(t.staff_roles.c.staff_id, t.staff_roles.c.role, t.staff_roles.c.visitor_data, t.events.c.slug,
                  t.events.c.title, t.events.c.title_en)
        .join(t.events, t.events.c.id == t.staff_roles.c.event_id)
        .order_by(t.events.c.starts_on, t.staff_roles.c.role))
    by_staff: dict[int, list[HeldRole]] = {}
    for role in roles:
        by_staff.setdefault(role["staff_id"], []).append(HeldRole(
            slug=role["slug"], event_title=role["title"], role=role["role"], visitor_data=bool(role["visitor_data"]),
            event_title_en=role["title_en"]))
    return [StaffAccount(id=row["id"], email=row["email"], name=row["name"], is_admin=bool(row["is_admin"]),
                         disabled=row["disabled_at"] is not None, roles=tuple(by_staff.get(row["id"], ())))
            for row in rows]


async def staff_id_by_email(store: Store, email: str) -> int:
    found = await store.fetch_val(sa.select(t.staff.c.id).where(t.staff.c.email == normalise_email(email)))
    if found is None:
        raise NotFound(N_("No such account"))
    return int(found)


async def sign_in(store: Store, *, email: str, password: str, ip: str | None, now: datetime) -> SignIn:
    """Check the password and open a session; the same refusal whether the e-mail or the password is wrong."""
    email = normalise_email(email)
    # Both limits count every attempt, so guessing is slow per account and per address.
    await rate_limit.hit(store, LOGIN_PER_ADDRESS, ip or "unknown", now=now)
    await rate_limit.hit(store, LOGIN_PER_ACCOUNT, email, now=now)
    row = await store.fetch_one(sa.select(t.staff).where(t.staff.c.email == email))
    stored_hash = row["password_hash"] if row is not None else _DUMMY_HASH
    try:
        await asyncio.to_thread(_hasher.verify, stored_hash, password)
        valid = row is not None
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid or row is None or row["disabled_at"] is not None:
        raise LoginRefused(N_("The e-mail or the password is wrong, or the account is disabled"))
    token = secrets.token_urlsafe(32)
    async with store.transaction():
        await store.execute(t.staff_sessions.insert().values(
            token_hash=_token_hash(token), staff_id=row["id"], csrf_token=secrets.token_urlsafe(32),
            expires_at=now + SESSION_LIFETIME, last_seen_at=now, ip=ip, created_at=now))
        await store.execute(t.staff_sessions.delete().where(t.staff_sessions.c.expires_at < now))
        await audit.record(store, actor=None, actor_label=email, staff_id=row["id"], action="staff.sign_in",
                           subject=email, now=now, ip=ip)
    if _hasher.check_needs_rehash(row["password_hash"]):
        new_hash = await asyncio.to_thread(_hasher.hash, password)
        await store.execute(t.staff.update().where(t.staff.c.id == row["id"]).values(password_hash=new_hash))
    member = await member_for_session(store, token, now=now)
    assert member is not None
    return SignIn(token=token, member=member)


async def member_for_session(store: Store, token: str, *, now: datetime) -> StaffMember | None:
    """The member signed in with this cookie value, or None for an unknown, expired or disabled one."""
    if not token or len(token) > 100:
        return None
    row = await store.fetch_one(
        sa.select(t.staff_sessions.c.id, t.staff_sessions.c.csrf_token, t.staff_sessions.c.expires_at,
                  t.staff.c.id.label("staff_id"), t.staff.c.email, t.staff.c.name, t.staff.c.is_admin,
                  t.staff.c.disabled_at)
        .join(t.staff, t.staff.c.id == t.staff_sessions.c.staff_id)
        .where(t.staff_sessions.c.token_hash == _token_hash(token)))
    if row is None or row["expires_at"] <= now or row["disabled_at"] is not None:
        return None
    roles = await store.fetch_all(sa.select(t.staff_roles).where(t.staff_roles.c.staff_id == row["staff_id"]))
    by_event: dict[int, set[Role]] = {}
    visitor_data: set[int] = set()
    for role in roles:
        by_event.setdefault(role["event_id"], set()).add(Role(role["role"]))
        if role["visitor_data"]:
            visitor_data.add(role["event_id"])
    return StaffMember(id=row["staff_id"], email=row["email"], name=row["name"], is_admin=bool(row["is_admin"]),
                       roles={event_id: frozenset(held) for event_id, held in by_event.items()},
                       visitor_data_events=frozenset(visitor_data), csrf_token=row["csrf_token"])


async def sign_out(store: Store, token: str) -> None:
    await store.execute(t.staff_sessions.delete().where(t.staff_sessions.c.token_hash == _token_hash(token)))


async def change_password(store: Store, *, member: StaffMember, current: str, new: str, now: datetime,
                          ip: str | None) -> None:
    stored = await store.fetch_val(sa.select(t.staff.c.password_hash).where(t.staff.c.id == member.id))
    try:
        await asyncio.to_thread(_hasher.verify, stored, current)
    except (VerificationError, InvalidHashError):
        raise InvalidInput(N_("The password could not be changed"),
                           fields={"current_password": N_("This is not your current password")}) from None
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(N_("The password could not be changed"),
                           fields={"new_password": N_("Use at least 10 characters")})
    new_hash = await asyncio.to_thread(_hasher.hash, new)
    async with store.transaction():
        await store.execute(t.staff.update().where(t.staff.c.id == member.id).values(password_hash=new_hash))
        await audit.record(store, actor=member, action="staff.password", subject=member.email, now=now, ip=ip)


# --- Managing accounts from the workspace (an administrator's page) ----------------------------

async def _event_for_role(store: Store, slug: str, role: str, errors: dict[str, str]) -> tuple[int | None, Role | None]:
    event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == slug))
    if event_id is None:
        errors["event"] = N_("Choose an event from the list")
    try:
        chosen: Role | None = Role(role)
    except ValueError:
        errors["role"] = N_("Choose organiser, door staff or expert")
        chosen = None
    return event_id, chosen


async def grant_event_role(store: Store, *, staff_id: int, slug: str, role: str, visitor_data: bool,
                           actor: StaffMember, ip: str | None, now: datetime) -> None:
    """`grant_role` with the event named by its slug and the role by its value, checked per field."""
    errors: dict[str, str] = {}
    event_id, chosen = await _event_for_role(store, slug, role, errors)
    if errors or event_id is None or chosen is None:
        raise InvalidInput(N_("The role could not be given"), fields=errors)
    await grant_role(store, staff_id=staff_id, event_id=event_id, role=chosen, now=now, visitor_data=visitor_data,
                     actor=actor, ip=ip)


async def revoke_event_role(store: Store, *, staff_id: int, slug: str, role: str, actor: StaffMember,
                            ip: str | None, now: datetime) -> None:
    errors: dict[str, str] = {}
    event_id, chosen = await _event_for_role(store, slug, role, errors)
    if errors or event_id is None or chosen is None:
        raise InvalidInput(N_("The role could not be taken away"), fields=errors)
    await revoke_role(store, staff_id=staff_id, event_id=event_id, role=chosen, now=now, actor=actor, ip=ip)


async def set_account_disabled(store: Store, *, staff_id: int, disabled: bool, actor: StaffMember,
                               ip: str | None, now: datetime) -> None:
    """`set_disabled`, except on one's own account: an administrator cannot lock themselves out."""
    if disabled and staff_id == actor.id:
        raise InvalidInput(N_("You cannot disable your own account"))
    await set_disabled(store, staff_id=staff_id, disabled=disabled, now=now, actor=actor, ip=ip)
