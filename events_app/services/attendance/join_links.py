"""Personal join links: the only way a delegate is given a webinar's address.

Every place that shows a delegate an online session (letters, cabinet, ticket page, personal
calendar) asks here for that delegate's `/j/{token}`; the link is made the first time it is
needed. Following it counts a join in one UPDATE (`joins = joins + 1`), so processes sharing a
PostgreSQL database never lose a count, and answers with the webinar's own address only while
the link, the registration and the session are live.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.attendance import expected_at, join_url, new_join_token
from events_app.domain.errors import N_, NotFound
from events_app.domain.registration import RegistrationStatus

UNKNOWN = N_("This join link does not work. Open the programme from your cabinet or your latest e-mail for your link.")


@dataclass(frozen=True)
class OnlineLink:
    """An online session as a delegate is shown it: with their own link, never the webinar's."""

    session_id: int
    title: str
    starts_at: datetime  # in the event's zone
    ends_at: datetime
    url: str
    title_en: str | None = None  # shown in the English cabinet, ticket and letters where it is set


async def online_sessions(store: Store, event_id: int) -> list[Row]:
    """The event's current sessions that have a webinar, in time order (programme data: they
    change only with the programme's version)."""
    return await store.fetch_all(
        sa.select(t.sessions.c.id, t.sessions.c.title, t.sessions.c.title_en, t.sessions.c.starts_at,
                  t.sessions.c.ends_at, t.sessions.c.signup_required)
        .where(t.sessions.c.event_id == event_id, t.sessions.c.online_url.is_not(None),
               t.sessions.c.online_url != "", t.sessions.c.cancelled_at.is_(None))
        .order_by(t.sessions.c.starts_at, t.sessions.c.id))


async def tokens_for(store: Store, registration_id: int, session_ids: Collection[int]) -> dict[int, str]:
    """The delegate's token for each session, made where missing."""
    if not session_ids:
        return {}
    query = sa.select(t.join_links.c.session_id, t.join_links.c.token).where(
        t.join_links.c.registration_id == registration_id, t.join_links.c.session_id.in_(sorted(session_ids)))
    found = {row["session_id"]: row["token"] for row in await store.fetch_all(query)}
    missing = sorted(set(session_ids) - found.keys())
    if not missing:
        return found
    if store.is_sqlite:
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]  # same call, the dialect's subclass
    # Two pages opened at once may both make the link: the second insert does nothing and both
    # read the one that was stored.
    await store.execute(insert(t.join_links).values([
        {"token": new_join_token(), "registration_id": registration_id, "session_id": session_id, "joins": 0}
        for session_id in missing]).on_conflict_do_nothing(
        index_elements=[t.join_links.c.registration_id, t.join_links.c.session_id]))
    return {row["session_id"]: row["token"] for row in await store.fetch_all(query)}


async def links_for(store: Store, base_url: str, *, registration_id: int, event_id: int, timezone: str, status: str,
                    days: Collection[date], confirmed_sessions: Collection[int],
                    online: Sequence[Row] | None = None) -> list[OnlineLink]:
    """The online sessions a delegate may join, each with their personal link. Only a confirmed
    registration gets links: a pending or waiting one is not admitted yet. `online` is the event's
    `online_sessions()` when the caller has read them already."""
    if status != RegistrationStatus.CONFIRMED.value:
        return []
    zone = ZoneInfo(timezone)
    candidates = online if online is not None else await online_sessions(store, event_id)
    sessions = [row for row in candidates
                if expected_at(signup_required=row["signup_required"], day=row["starts_at"].astimezone(zone).date(),
                               days=days, confirmed_choice=row["id"] in confirmed_sessions)]
    tokens = await tokens_for(store, registration_id, [row["id"] for row in sessions])
    return [OnlineLink(session_id=row["id"], title=row["title"], title_en=row["title_en"],
                       starts_at=row["starts_at"].astimezone(zone), ends_at=row["ends_at"].astimezone(zone),
                       url=join_url(base_url, tokens[row["id"]]))
            for row in sessions]


async def follow(store: Store, token: str, *, now: datetime) -> str:
    """Count a join and give the webinar's address; `NotFound` (which never names the address)
    for an unknown or revoked link, a registration no longer confirmed, a cancelled session."""
    if not token or len(token) > 64:
        raise NotFound(UNKNOWN)
    link = t.join_links
    row = await store.fetch_one(
        sa.select(link.c.id, t.sessions.c.online_url)
        .join(t.sessions, t.sessions.c.id == link.c.session_id)
        .join(t.registrations, t.registrations.c.id == link.c.registration_id)
        .where(link.c.token == token, link.c.revoked_at.is_(None), t.sessions.c.cancelled_at.is_(None),
               t.registrations.c.status == RegistrationStatus.CONFIRMED.value,
               t.registrations.c.erased_at.is_(None)))
    if row is None or not row["online_url"]:
        raise NotFound(UNKNOWN)
    await store.execute(link.update().where(link.c.id == row["id"]).values(
        joins=link.c.joins + 1, last_joined_at=now,
        first_joined_at=sa.func.coalesce(link.c.first_joined_at, sa.literal(now, type_=t.UTCDateTime()))))
    return str(row["online_url"])


async def revoke_for_registration(store: Store, registration_id: int, *, now: datetime) -> None:
    """A cancelled or erased registration's links stop working (their counts stay, for statistics)."""
    await store.execute(t.join_links.update().where(t.join_links.c.registration_id == registration_id,
                                                    t.join_links.c.revoked_at.is_(None)).values(revoked_at=now))


async def join_counts(store: Store, event_id: int) -> Mapping[tuple[int, int], int]:
    rows = await store.fetch_all(
        sa.select(t.join_links.c.registration_id, t.join_links.c.session_id, t.join_links.c.joins)
        .join(t.sessions, t.sessions.c.id == t.join_links.c.session_id)
        .where(t.sessions.c.event_id == event_id, t.join_links.c.joins > 0))
    return {(row["registration_id"], row["session_id"]): row["joins"] for row in rows}
