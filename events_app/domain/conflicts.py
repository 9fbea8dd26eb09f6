"""Conflicts in an agenda: warnings an organiser sees on the grid, never a reason to refuse a save.

Every function is pure: it takes the planned sessions (published ones merged with drafts) and
the facts it needs, and gives `Conflict`s naming the sessions involved by their `ref`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import combinations
from zoneinfo import ZoneInfo

from events_app.domain.errors import N_

# Travel between site visits when the event sets no figure of its own: a coach on regional
# roads averages about 40 km/h over the straight-line distance (roads wind, towns slow it
# down), and getting a group off one site and onto the bus takes about 15 minutes.
ROAD_SPEED_KMH = 40.0
BOARDING_MINUTES = 15
EARTH_RADIUS_KM = 6371.0


class ConflictKind(StrEnum):
    VENUE_OVERLAP = "venue_overlap"
    SPEAKER_OVERLAP = "speaker_overlap"
    DELEGATE_OVERLAP = "delegate_overlap"
    TRAVEL_TIME = "travel_time"
    OUTSIDE_DAYS = "outside_days"
    CAPACITY_BELOW_SIGNUPS = "capacity_below_signups"
    BUS_LEAVES_LATE = "bus_leaves_late"
    BUS_RETURNS_EARLY = "bus_returns_early"


MESSAGES: dict[ConflictKind, str] = {
    ConflictKind.VENUE_OVERLAP: N_("«%(first)s» and «%(second)s» overlap at %(venue)s"),
    ConflictKind.SPEAKER_OVERLAP: N_("%(speaker)s speaks at «%(first)s» and «%(second)s» at the same time"),
    ConflictKind.DELEGATE_OVERLAP: N_("%(count)s delegates are signed up for both «%(first)s» and «%(second)s», "
                                      "which overlap"),
    ConflictKind.TRAVEL_TIME: N_("Only %(gap)s min between «%(first)s» and «%(second)s»; "
                                 "the trip needs about %(needed)s min"),
    ConflictKind.OUTSIDE_DAYS: N_("«%(first)s» is outside the event's days"),
    ConflictKind.CAPACITY_BELOW_SIGNUPS: N_("«%(first)s» has %(capacity)s places but %(count)s confirmed sign-ups"),
    ConflictKind.BUS_LEAVES_LATE: N_(
        "The bus to «%(first)s» leaves at %(departs)s, after the visit starts at %(starts)s"),
    ConflictKind.BUS_RETURNS_EARLY: N_(
        "The bus from «%(first)s» returns at %(returns)s, before the visit ends at %(ends)s"),
}


@dataclass(frozen=True)
class PlannedSession:
    """A session as the organiser currently plans it. `ref` names it on the grid: `s<id>` for a
    published session (edited or not), `d<id>` for a new one that exists only as a draft."""

    ref: str
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    venue_id: int | None = None
    capacity: int | None = None
    speaker_ids: tuple[int, ...] = ()
    session_id: int | None = None
    departs_at: datetime | None = None  # a site visit's bus
    returns_at: datetime | None = None
    title_en: str | None = None  # for letters in English


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    refs: tuple[str, ...]
    values: Mapping[str, str | int] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The msgid; translate it, then fill in `values`."""
        return MESSAGES[self.kind]


def _overlap(a: PlannedSession, b: PlannedSession) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _pairs(sessions: Sequence[PlannedSession]) -> Iterable[tuple[PlannedSession, PlannedSession]]:
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.ref))
    return combinations(ordered, 2)


def venue_overlaps(sessions: Sequence[PlannedSession], venues: Mapping[int, Place]) -> list[Conflict]:
    found = []
    for a, b in _pairs([s for s in sessions if s.venue_id is not None]):
        if a.venue_id == b.venue_id and _overlap(a, b):
            venue = venues.get(a.venue_id) if a.venue_id is not None else None
            found.append(Conflict(ConflictKind.VENUE_OVERLAP, (a.ref, b.ref),
                                  {"first": a.title, "second": b.title, "venue": venue.name if venue else "?"}))
    return found


def speaker_overlaps(sessions: Sequence[PlannedSession], speaker_names: Mapping[int, str]) -> list[Conflict]:
    found = []
    for a, b in _pairs([s for s in sessions if s.speaker_ids]):
        if not _overlap(a, b):
            continue
        for person in sorted(set(a.speaker_ids) & set(b.speaker_ids)):
            found.append(Conflict(ConflictKind.SPEAKER_OVERLAP, (a.ref, b.ref),
                                  {"speaker": speaker_names.get(person, "?"), "first": a.title, "second": b.title}))
    return found


def delegate_overlaps(sessions: Sequence[PlannedSession], choices: Mapping[int, frozenset[int]]) -> list[Conflict]:
    """`choices`: registration id → the session ids it holds a place or a place in line for.
    One warning per pair of sessions, with the number of people: names stay in the registrations."""
    by_id = {s.session_id: s for s in sessions if s.session_id is not None}
    counts: dict[tuple[int, int], int] = {}
    for chosen in choices.values():
        for first, second in combinations(sorted(i for i in chosen if i in by_id), 2):
            if _overlap(by_id[first], by_id[second]):
                counts[(first, second)] = counts.get((first, second), 0) + 1
    found = []
    for (first, second), count in sorted(counts.items()):
        a, b = sorted((by_id[first], by_id[second]), key=lambda s: (s.starts_at, s.ref))
        found.append(Conflict(ConflictKind.DELEGATE_OVERLAP, (a.ref, b.ref),
                              {"count": count, "first": a.title, "second": b.title}))
    return found


def overlaps_among(chosen: Sequence[PlannedSession],
                   touched: Collection[int]) -> list[tuple[PlannedSession, PlannedSession]]:
    """One delegate's sessions that run at the same time, where at least one of the two is among
    `touched` (the sessions a publication changed): what their change letter has to point out."""
    found = []
    for a, b in _pairs(chosen):
        if _overlap(a, b) and (a.session_id in touched or b.session_id in touched):
            found.append((a, b))
    return found


def distance_km(a: Place, b: Place) -> float | None:
    """Great-circle (haversine) distance, or None when a place has no coordinates."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    lat1, lon1, lat2, lon2 = (math.radians(v) for v in (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def travel_minutes(a: Place, b: Place, *, set_minutes: int | None = None) -> int | None:
    """Minutes a group needs from `a` to `b`: the event's own figure when set, else boarding
    plus the distance at road speed; None when it cannot be told."""
    if set_minutes is not None:
        return set_minutes
    if a.id == b.id:
        return 0
    km = distance_km(a, b)
    if km is None:
        return None
    return BOARDING_MINUTES + math.ceil(km / ROAD_SPEED_KMH * 60)


def travel_too_short(sessions: Sequence[PlannedSession], venues: Mapping[int, Place], *,
                     set_minutes: int | None = None) -> list[Conflict]:
    """Each site visit against the next one after it (the first to start once it has ended):
    a group doing both needs the trip in between."""
    visits = sorted((s for s in sessions if s.kind == "site_visit" and s.venue_id in venues),
                    key=lambda s: (s.starts_at, s.ref))
    found = []
    for visit in visits:
        later = [s for s in visits if s.starts_at >= visit.ends_at and s.starts_at.date() == visit.ends_at.date()]
        if not later:
            continue
        following = min(later, key=lambda s: (s.starts_at, s.ref))
        first, second = venues[visit.venue_id], venues[following.venue_id]  # type: ignore[index]  # only sessions with a known venue were kept
        if first.id == second.id and set_minutes is None:
            continue
        needed = travel_minutes(first, second, set_minutes=set_minutes)
        gap = int((following.starts_at - visit.ends_at).total_seconds() // 60)
        if needed is not None and gap < needed:
            found.append(Conflict(ConflictKind.TRAVEL_TIME, (visit.ref, following.ref),
                                  {"gap": gap, "needed": needed, "first": visit.title, "second": following.title}))
    return found


def outside_days(sessions: Sequence[PlannedSession], days: Sequence[date], timezone: str) -> list[Conflict]:
    zone = ZoneInfo(timezone)
    allowed = set(days)
    found = []
    for s in sorted(sessions, key=lambda s: (s.starts_at, s.ref)):
        first_day = s.starts_at.astimezone(zone).date()
        last_day = (s.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
        if first_day not in allowed or last_day not in allowed:
            found.append(Conflict(ConflictKind.OUTSIDE_DAYS, (s.ref,), {"first": s.title}))
    return found


def capacity_below_signups(sessions: Sequence[PlannedSession], confirmed: Mapping[int, int]) -> list[Conflict]:
    """`confirmed`: session id → confirmed sign-ups (a place in line does not hold a place)."""
    found = []
    for s in sorted(sessions, key=lambda s: (s.starts_at, s.ref)):
        count = confirmed.get(s.session_id, 0) if s.session_id is not None else 0
        if s.capacity is not None and count > s.capacity:
            found.append(Conflict(ConflictKind.CAPACITY_BELOW_SIGNUPS, (s.ref,),
                                  {"first": s.title, "capacity": s.capacity, "count": count}))
    return found


def bus_times(sessions: Sequence[PlannedSession], timezone: str) -> list[Conflict]:
    """A visit's bus must leave no later than the visit starts and come back no earlier than it ends."""
    zone = ZoneInfo(timezone)

    def clock(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%H:%M")

    found = []
    for s in sorted(sessions, key=lambda s: (s.starts_at, s.ref)):
        if s.departs_at is not None and s.departs_at > s.starts_at:
            found.append(Conflict(ConflictKind.BUS_LEAVES_LATE, (s.ref,), {
                "first": s.title, "departs": clock(s.departs_at), "starts": clock(s.starts_at)}))
        if s.returns_at is not None and s.returns_at < s.ends_at:
            found.append(Conflict(ConflictKind.BUS_RETURNS_EARLY, (s.ref,), {
                "first": s.title, "returns": clock(s.returns_at), "ends": clock(s.ends_at)}))
    return found


def find_conflicts(sessions: Sequence[PlannedSession], *, venues: Mapping[int, Place], days: Sequence[date],
                   timezone: str, speaker_names: Mapping[int, str] | None = None,
                   choices: Mapping[int, frozenset[int]] | None = None, confirmed: Mapping[int, int] | None = None,
                   visit_travel_minutes: int | None = None) -> list[Conflict]:
    """Every kind of conflict, in a stable order."""
    return [
        *outside_days(sessions, days, timezone),
        *venue_overlaps(sessions, venues),
        *speaker_overlaps(sessions, speaker_names or {}),
        *delegate_overlaps(sessions, choices or {}),
        *travel_too_short(sessions, venues, set_minutes=visit_travel_minutes),
        *capacity_below_signups(sessions, confirmed or {}),
        *bus_times(sessions, timezone),
    ]
