"""What a publication changes in an agenda, and how to say it to people.

`compare` turns the published sessions and the planned ones into `Change`s; a `Change` is plain
data (kept as JSON with each publication) and `describe` words it in the reader's language,
e.g. `«Обед»: время изменено с 12:00 на 11:00`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from events_app.domain.errors import N_


class ChangeKind(StrEnum):
    ADDED = "added"
    CANCELLED = "cancelled"
    MOVED = "moved"          # the start changed (and the end with it, or not)
    RESIZED = "resized"      # only the end changed
    VENUE = "venue"
    RENAMED = "renamed"
    CAPACITY = "capacity"


# Changes a delegate who chose the session is told about; a capacity change is not news to them.
NOTIFIED = frozenset({ChangeKind.CANCELLED, ChangeKind.MOVED, ChangeKind.RESIZED, ChangeKind.VENUE,
                      ChangeKind.RENAMED})
# Changes a calendar client must be told about: they raise the session's SEQUENCE.
VISIBLE_FIELDS = ("starts_at", "ends_at", "venue_id", "title")

# Each line names the session in quotes and says what changed with a noun («время», «площадка»,
# «число мест»), so no word has to agree with the title: «Обед», «Экскурсия», «Посещение» and
# «Защиты проектов» all read right. A venue or a limit that appears or goes away has its own line
# rather than «вместо без площадки».
ADDED = N_("New in the programme: «%(title)s», %(new)s")
CANCELLED = N_("Cancelled: «%(title)s», %(old)s")
MOVED = N_("«%(title)s»: the time changed from %(old)s to %(new)s")
MOVED_DAY = N_("«%(title)s»: moved to another day, from %(old)s to %(new)s")
RESIZED = N_("«%(title)s»: now ends at %(new)s instead of %(old)s")
VENUE_CHANGED = N_("«%(title)s»: new venue, %(new)s (was %(old)s)")
VENUE_SET = N_("«%(title)s»: venue assigned, %(new)s")
VENUE_REMOVED = N_("«%(title)s»: venue removed (was %(old)s)")
RENAMED = N_("New title: «%(new)s» (was «%(old)s»)")
CAPACITY_CHANGED = N_("«%(title)s»: places changed from %(old)s to %(new)s")
CAPACITY_SET = N_("«%(title)s»: places now limited to %(new)s")
CAPACITY_LIFTED = N_("«%(title)s»: places no longer limited (was %(old)s)")


@dataclass(frozen=True)
class SessionState:
    """A session as published or as planned; times are aware, in the event's zone."""

    title: str
    starts_at: datetime
    ends_at: datetime
    title_en: str | None = None
    venue_id: int | None = None
    venue_name: str | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    title: str
    title_en: str | None
    old: str | None = None
    new: str | None = None
    session_id: int | None = None
    # When the session takes place (after the change; before it for a cancellation): sorts the
    # changelog and tells a reader which day it is about.
    when: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(**{**data, "kind": ChangeKind(data["kind"])})


def _moment(value: datetime) -> str:
    return value.isoformat()


def differences(session_id: int | None, before: SessionState | None, after: SessionState | None) -> list[Change]:
    """The changes from `before` (None: a new session) to `after` (None: cancelled)."""
    if before is None and after is None:
        return []
    if before is None:
        assert after is not None
        return [Change(ChangeKind.ADDED, after.title, after.title_en, new=_span(after), session_id=session_id,
                       when=_moment(after.starts_at))]
    if after is None:
        return [Change(ChangeKind.CANCELLED, before.title, before.title_en, old=_span(before), session_id=session_id,
                       when=_moment(before.starts_at))]
    title, title_en, when = after.title, after.title_en, _moment(after.starts_at)

    def change(kind: ChangeKind, old: str | None, new: str | None, named: str = title) -> Change:
        # Every change of one session shares its title (the new one, but for a rename) and its day.
        return Change(kind, named, title_en, old=old, new=new, session_id=session_id, when=when)

    changes = []
    if before.title != after.title:
        changes.append(change(ChangeKind.RENAMED, before.title, after.title, named=before.title))
    if before.starts_at != after.starts_at:
        changes.append(change(ChangeKind.MOVED, _moment(before.starts_at), _moment(after.starts_at)))
    elif before.ends_at != after.ends_at:
        changes.append(change(ChangeKind.RESIZED, _moment(before.ends_at), _moment(after.ends_at)))
    if before.venue_id != after.venue_id:
        changes.append(change(ChangeKind.VENUE, before.venue_name, after.venue_name))
    if before.capacity != after.capacity:
        changes.append(change(ChangeKind.CAPACITY,
                              None if before.capacity is None else str(before.capacity),
                              None if after.capacity is None else str(after.capacity)))
    return changes


def _span(state: SessionState) -> str:
    return f"{_moment(state.starts_at)}/{_moment(state.ends_at)}"


def is_visible(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether calendar subscribers must see the change (their client replaces the event)."""
    return any(before[name] != after[name] for name in VISIBLE_FIELDS)


def raises_sequence(before: Mapping[str, Any], after: Mapping[str, Any] | None) -> bool:
    """Whether a stored session's SEQUENCE must go up when `before` (its row) becomes `after`.

    The one rule for every writer of `sessions` (the agenda import and publishing): calendar
    clients only replace an event whose SEQUENCE rose, so it rises when the session is cancelled
    (`after` is None), when a cancelled session comes back, and when its time, place or title
    changes; a new capacity or description alone is not news to a calendar.
    """
    if after is None:
        return True
    if before["cancelled_at"] is not None and after.get("cancelled_at") is None:
        return True
    return is_visible(before, after)


def next_sequence(before: Mapping[str, Any], after: Mapping[str, Any] | None) -> int:
    """The SEQUENCE to store with `after` (None: the session is cancelled)."""
    return int(before["sequence"]) + (1 if raises_sequence(before, after) else 0)


def sort_changes(changes: Sequence[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (c.when or "", c.title, list(ChangeKind).index(c.kind)))


def describe(change: Change, *, gettext: Callable[[str], str], day_label: Callable[[date], str],
             english: bool = False) -> str:
    """One line for people: times as «11:00» on the same day, with the day when it changes."""
    title = change.title_en if english and change.title_en else change.title
    old, new = change.old, change.new
    wording: str
    if change.kind is ChangeKind.ADDED:
        wording, new = ADDED, _span_text(new, day_label) if new else ""
    elif change.kind is ChangeKind.CANCELLED:
        wording, old = CANCELLED, _span_text(old, day_label) if old else ""
    elif change.kind is ChangeKind.MOVED and old and new:
        before, after = datetime.fromisoformat(old), datetime.fromisoformat(new)
        wording = MOVED if before.date() == after.date() else MOVED_DAY
        old, new = _times_apart(before, after, day_label)
    elif change.kind is ChangeKind.RESIZED and old and new:
        wording = RESIZED
        old, new = datetime.fromisoformat(old).strftime("%H:%M"), datetime.fromisoformat(new).strftime("%H:%M")
    elif change.kind is ChangeKind.VENUE:
        wording = VENUE_CHANGED if old and new else VENUE_SET if new else VENUE_REMOVED
    elif change.kind is ChangeKind.CAPACITY:
        wording = CAPACITY_CHANGED if old and new else CAPACITY_SET if new else CAPACITY_LIFTED
    elif change.kind is ChangeKind.RENAMED:
        wording = RENAMED
    else:  # a move or resize stored without its times: say what is known
        wording = MOVED if change.kind is ChangeKind.MOVED else RESIZED
    return gettext(wording) % {"title": title, "old": old, "new": new}


def _times_apart(old: datetime, new: datetime, day_label: Callable[[date], str]) -> tuple[str, str]:
    if old.date() == new.date():
        return old.strftime("%H:%M"), new.strftime("%H:%M")
    return f"{day_label(old.date())}, {old.strftime('%H:%M')}", f"{day_label(new.date())}, {new.strftime('%H:%M')}"


def _span_text(span: str, day_label: Callable[[date], str]) -> str:
    start_text, end_text = span.split("/")
    start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
    return f"{day_label(start.date())}, {start.strftime('%H:%M')}–{end.strftime('%H:%M')}"
