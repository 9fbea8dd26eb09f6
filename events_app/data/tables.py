"""Every table of the service, in one SQLAlchemy Core `MetaData`.

Times are stored in UTC (`UTCDateTime`); dates of an event are calendar dates in its own zone.
Alembic migrations under `migrations/` create these tables; a test checks the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime in Python; `timestamptz` on PostgreSQL, UTC text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC moment is stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _created() -> sa.Column[datetime]:
    return sa.Column("created_at", UTCDateTime(), nullable=False, server_default=sa.func.current_timestamp())


def _updated() -> sa.Column[datetime]:
    return sa.Column("updated_at", UTCDateTime(), nullable=False, server_default=sa.func.current_timestamp())


events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(60), nullable=False, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text),
    sa.Column("format", sa.String(32), nullable=False),
    sa.Column("city", sa.Text, nullable=False),
    sa.Column("region_code", sa.String(2), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="published"),
    # The city as the English interface names it («Syktyvkar»); none: the city as entered.
    sa.Column("city_en", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("note", sa.Text),
    # Registration settings: no capacity means no limit; no window means "from publication
    # until the event ends"; no consent text means the service's standard text applies.
    sa.Column("capacity", sa.Integer),
    sa.Column("moderation", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("registration_opens_at", UTCDateTime()),
    sa.Column("registration_closes_at", UTCDateTime()),
    sa.Column("consent_version", sa.String(32)),
    sa.Column("consent_text", sa.Text),
    # Minutes from one site visit to the next; unset: estimated from the venues' coordinates.
    sa.Column("visit_travel_minutes", sa.Integer),
    _created(),
    _updated(),
    sa.CheckConstraint("ends_on >= starts_on", name="days_in_order"),
    sa.CheckConstraint("status IN ('draft', 'published')", name="status"),
)

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(60), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("short_name", sa.Text),
    sa.Column("inn", sa.String(12)),
    sa.Column("region_code", sa.String(2)),
    sa.Column("website", sa.Text),
)

event_organisations = sa.Table(
    "event_organisations",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), primary_key=True),
    sa.Column("role", sa.String(16), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.CheckConstraint("role IN ('organiser', 'partner')", name="role"),
)

venues = sa.Table(
    "venues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(60), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("address", sa.Text),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id")),
    sa.Column("description", sa.Text),
    sa.UniqueConstraint("event_id", "key", name="uq_venues_event_key"),
    sa.CheckConstraint("kind IN ('hall', 'enterprise', 'outdoor', 'online')", name="kind"),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(60), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("position", sa.Text),
    sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id")),
    sa.UniqueConstraint("event_id", "key", name="uq_people_event_key"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(60), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("starts_at", UTCDateTime(), nullable=False),
    sa.Column("ends_at", UTCDateTime(), nullable=False),
    sa.Column("venue_id", sa.Integer, sa.ForeignKey("venues.id")),
    sa.Column("capacity", sa.Integer),
    sa.Column("signup_required", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("online_url", sa.Text),
    sa.Column("illustrative", sa.Boolean, nullable=False, server_default=sa.false()),
    # Calendar clients need to know a session changed (SEQUENCE) or went away (CANCELLED).
    sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cancelled_at", UTCDateTime()),
    _created(),
    _updated(),
    sa.UniqueConstraint("event_id", "key", name="uq_sessions_event_key"),
    sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    sa.Index("ix_sessions_event_starts", "event_id", "starts_at"),
)

session_speakers = sa.Table(
    "session_speakers",
    metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)


# Personal fields are nullable because withdrawing consent erases them while the row stays for
# anonymous statistics (region, category, days).
registrations = sa.Table(
    "registrations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("surname", sa.Text),
    sa.Column("given_name", sa.Text),
    sa.Column("patronymic", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("phone", sa.String(16)),
    sa.Column("organisation_name", sa.Text),
    sa.Column("organisation_inn", sa.String(12)),
    sa.Column("position", sa.Text),
    sa.Column("region_code", sa.String(2), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("consent_version", sa.String(32), nullable=False),
    sa.Column("consent_at", UTCDateTime(), nullable=False),
    sa.Column("consent_ip", sa.String(45)),
    sa.Column("decision_reason", sa.Text),
    # E-mails go out in the language the delegate registered in.
    sa.Column("language", sa.String(2), nullable=False, server_default="ru"),
    sa.Column("calendar_token", sa.String(43), unique=True),
    # Raised to make every cabinet link issued before it stop working.
    sa.Column("link_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cancelled_at", UTCDateTime()),
    sa.Column("erased_at", UTCDateTime()),
    _created(),
    _updated(),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'waitlisted', 'rejected', 'cancelled')", name="status"),
    sa.Index("ix_registrations_event_status", "event_id", "status", "id"),
    sa.Index("ix_registrations_email", "email"),
)

registration_days = sa.Table(
    "registration_days",
    metadata,
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
)

# A delegate's place in a session that needs sign-up: confirmed, or waiting in line. The line
# is in `id` order, which is arrival order because places are handed out one transaction at a time.
registration_choices = sa.Table(
    "registration_choices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    _created(),
    _updated(),
    sa.UniqueConstraint("registration_id", "session_id", name="uq_registration_choices_registration_session"),
    sa.CheckConstraint("status IN ('confirmed', 'waitlisted')", name="status"),
    sa.Index("ix_registration_choices_session_status", "session_id", "status", "id"),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("secret", sa.String(32), nullable=False, unique=True),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime()),
    sa.Index("ix_tickets_registration", "registration_id"),
)

# Messages are written here in the same transaction as the change that causes them; a
# background sender delivers them, so a message is never lost when SMTP is down.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    # Empty for a letter described by `letter`, written from the database just before sending.
    sa.Column("message", sa.Text, nullable=False),
    # The kind of a described letter ("registration:confirmed"); NULL when `message` is the letter.
    sa.Column("letter", sa.String(40)),
    sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("claimed_until", UTCDateTime()),
    sa.Column("last_error", sa.Text),
    sa.Column("sent_at", UTCDateTime()),
    # Which registration a letter is about, so that erasing a person erases their letters only.
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="SET NULL")),
    _created(),
    sa.CheckConstraint("status IN ('pending', 'sent')", name="status"),
    sa.Index("ix_outbox_due", "status", "next_attempt_at"),
)

# Fixed-window counters shared by every process (several app processes on one PostgreSQL).
rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("window_start", UTCDateTime(), primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
)

# A door device: a phone paired through a one-time link. Only hashes of its token and of its
# pairing code are kept, so a copy of the database cannot be used to scan.
devices = sa.Table(
    "devices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("default_list", sa.String(40), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("pairing_hash", sa.String(64), unique=True),
    sa.Column("paired_at", UTCDateTime()),
    sa.Column("revoked_at", UTCDateTime()),
    _created(),
)

checkin_list_states = sa.Table(
    "checkin_list_states",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("closed_at", UTCDateTime()),
)

# Admissions and exits. The nonce is unique: a scan sent twice (an offline queue re-sent after a
# lost answer) is recorded once.
checkins = sa.Table(
    "checkins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("list_name", sa.String(40), nullable=False),
    sa.Column("type", sa.String(8), nullable=False),
    sa.Column("nonce", sa.String(64), nullable=False, unique=True),
    sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), nullable=False),
    sa.Column("scanned_at", UTCDateTime(), nullable=False),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
    sa.Column("offline", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.CheckConstraint("type IN ('entry', 'exit')", name="type"),
    sa.Index("ix_checkins_registration_list", "registration_id", "list_name", "id"),
    sa.Index("ix_checkins_event_list", "event_id", "list_name", "recorded_at"),
)

# Every scan, refused ones too, with the answer given: append-only. A replayed nonce gets the
# stored answer back.
scan_log = sa.Table(
    "scan_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("nonce", sa.String(64), nullable=False, unique=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), nullable=False),
    sa.Column("list_name", sa.String(40), nullable=False),
    sa.Column("type", sa.String(8), nullable=False),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="SET NULL")),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(24)),
    sa.Column("scanned_at", UTCDateTime(), nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("offline", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Index("ix_scan_log_event_list", "event_id", "list_name", "id"),
)


# --- Organiser workspace: staff accounts, their roles, sign-in sessions, the audit log ---------

# People who run events. An admin may do everything; everyone else gets roles per event.
staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("disabled_at", UTCDateTime()),
    _created(),
)

# `visitor_data` lets an organiser see the passport fields an enterprise's security asks for.
staff_roles = sa.Table(
    "staff_roles",
    metadata,
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(16), primary_key=True),
    sa.Column("visitor_data", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.CheckConstraint("role IN ('organiser', 'door', 'expert', 'consultant')", name="role"),
)

# A signed-in browser. Only the hash of the cookie's value is kept; the CSRF token belongs to
# the session, so every process checks it the same way.
staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(43), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    sa.Column("ip", sa.String(45)),
    _created(),
)

# Who changed or exported what, and when. Append-only.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="SET NULL")),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("details", sa.Text),
    sa.Column("ip", sa.String(45)),
    sa.Index("ix_audit_log_event", "event_id", "id"),
)


# --- Agenda builder: drafts and publications ----------------------------------------------------

# The organiser's unpublished edits. Public pages and feeds read `sessions` only; a draft holds
# a whole copy of an edited or new session (one row per session) until the agenda is published.
session_drafts = sa.Table(
    "session_drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    # NULL: a session that does not exist yet.
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("starts_at", UTCDateTime(), nullable=False),
    sa.Column("ends_at", UTCDateTime(), nullable=False),
    sa.Column("venue_id", sa.Integer, sa.ForeignKey("venues.id", ondelete="SET NULL")),
    sa.Column("capacity", sa.Integer),
    sa.Column("signup_required", sa.Boolean, nullable=False, server_default=sa.false()),
    # Person ids in speaking order, as a JSON list.
    sa.Column("speakers", sa.Text, nullable=False, server_default="[]"),
    sa.Column("removed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    _updated(),
    sa.Index("ix_session_drafts_event", "event_id"),
)

# One row per publication of an event's agenda: its version number and the changes it made.
agenda_publications = sa.Table(
    "agenda_publications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("published_at", UTCDateTime(), nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("actor", sa.Text, nullable=False),
    # The structured changelog (domain.changelog.Change as dicts), JSON.
    sa.Column("changes", sa.Text, nullable=False),
    sa.Column("mailed", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("event_id", "number", name="uq_agenda_publications_event_number"),
)


# --- Site visits: the meeting point, transport groups, seats and the enterprise's visitor list ---

# What a site visit adds to its session. `requirements` holds codes from
# `domain.site_visits.Requirement`, space-separated, in the order the organiser wrote them.
visit_details = sa.Table(
    "visit_details",
    metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("host_organisation_id", sa.Integer, sa.ForeignKey("organisations.id")),
    sa.Column("meeting_point", sa.Text),
    sa.Column("meeting_address", sa.Text),
    sa.Column("meeting_latitude", sa.Float),
    sa.Column("meeting_longitude", sa.Float),
    sa.Column("meeting_note", sa.Text),
    sa.Column("departs_at", UTCDateTime()),
    sa.Column("returns_at", UTCDateTime()),
    sa.Column("requirements", sa.Text, nullable=False, server_default=""),
    sa.Column("minimum_age", sa.Integer),
)

# A bus or a car of a site visit, with its curator.
transport_groups = sa.Table(
    "transport_groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(60), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("seats", sa.Integer, nullable=False),
    sa.Column("plate", sa.Text),
    sa.Column("curator_name", sa.Text),
    sa.Column("curator_phone", sa.String(20)),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("session_id", "key", name="uq_transport_groups_session_key"),
    sa.CheckConstraint("seats > 0", name="seats_positive"),
    sa.CheckConstraint("kind IN ('bus', 'car')", name="kind"),
)

# A delegate's seat on a visit. Only seats of delegates who still hold a confirmed place count;
# `by_hand` marks an organiser's move, which the automatic filling never undoes.
transport_seats = sa.Table(
    "transport_seats",
    metadata,
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("transport_groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("by_hand", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("assigned_at", UTCDateTime(), nullable=False),
    sa.Index("ix_transport_seats_group", "group_id"),
)

# The fields an enterprise's security asks for (passport, date of birth, citizenship), sealed with
# the key from EVENTS_VISITOR_DATA_KEY: the database never holds them in plain text. Deleted a set
# number of days after the event (`events-app purge` and the service's own purge).
visitor_data = sa.Table(
    "visitor_data",
    metadata,
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sealed", sa.Text, nullable=False),
    sa.Column("consent_version", sa.String(32), nullable=False),
    sa.Column("consent_at", UTCDateTime(), nullable=False),
    sa.Column("consent_ip", sa.String(45)),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_visitor_data_event", "event_id"),
)


# --- Project defences: slots in a defence block, teams' applications, the jury and its scores ---

# One row per defence block (a session of kind project_defence) once anything is set for it:
# whether scoring is closed, whether teams learn which expert wrote which remark, and the stage
# screen's state (the slot on stage, its phase and when the phase started; a pause keeps its moment).
defence_blocks = sa.Table(
    "defence_blocks",
    metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("scoring_closed_at", UTCDateTime()),
    sa.Column("reveal_experts", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("stage_slot_id", sa.Integer),
    sa.Column("stage_phase", sa.String(12), nullable=False, server_default="idle"),
    sa.Column("stage_started_at", UTCDateTime()),
    sa.Column("stage_paused_at", UTCDateTime()),
    sa.Column("stage_version", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("stage_phase IN ('idle', 'talk', 'questions', 'done')", name="stage_phase"),
)

# A team's application; e-mails and the cabinet link go to `email` in `language`.
defence_applications = sa.Table(
    "defence_applications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="waiting"),
    sa.Column("project_title", sa.Text, nullable=False),
    sa.Column("organisations", sa.Text, nullable=False),
    sa.Column("regions", sa.Text),
    sa.Column("presenters", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("language", sa.String(2), nullable=False, server_default="ru"),
    sa.Column("consent_at", UTCDateTime(), nullable=False),
    sa.Column("consent_ip", sa.String(45)),
    sa.Column("link_version", sa.Integer, nullable=False, server_default="0"),
    # Slides are stored under the data folder with a generated name; never the team's file name.
    sa.Column("slides_file", sa.String(64)),
    sa.Column("slides_size", sa.Integer),
    sa.Column("slides_uploaded_at", UTCDateTime()),
    sa.Column("slides_published_at", UTCDateTime()),
    sa.Column("remarks_sent_at", UTCDateTime()),
    _created(),
    _updated(),
    sa.CheckConstraint("status IN ('waiting', 'accepted', 'rejected')", name="status"),
    sa.Index("ix_defence_applications_event", "event_id", "status", "id"),
)

defence_slots = sa.Table(
    "defence_slots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("project_title", sa.Text, nullable=False),
    sa.Column("organisations", sa.Text, nullable=False),
    sa.Column("regions", sa.Text),
    sa.Column("presenters", sa.Text, nullable=False),
    sa.Column("talk_minutes", sa.Integer, nullable=False),
    sa.Column("question_minutes", sa.Integer, nullable=False),
    sa.Column("application_id", sa.Integer, sa.ForeignKey("defence_applications.id", ondelete="SET NULL"),
              unique=True),
    _created(),
    sa.CheckConstraint("talk_minutes > 0 AND question_minutes >= 0", name="minutes"),
    sa.Index("ix_defence_slots_session", "session_id", "position"),
)

defence_criteria = sa.Table(
    "defence_criteria",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("min_score", sa.Integer, nullable=False),
    sa.Column("max_score", sa.Integer, nullable=False),
    sa.CheckConstraint("max_score > min_score", name="range"),
    sa.Index("ix_defence_criteria_session", "session_id", "position"),
)

# Experts (staff with the expert role for the event) assigned to a block's jury.
defence_experts = sa.Table(
    "defence_experts",
    metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
)

# One expert's sheet for one slot: the remarks here, a value per criterion below.
defence_scores = sa.Table(
    "defence_scores",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slot_id", sa.Integer, sa.ForeignKey("defence_slots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    sa.Column("remarks", sa.Text, nullable=False, server_default=""),
    sa.Column("submitted_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("slot_id", "staff_id", name="uq_defence_scores_slot_staff"),
)

defence_score_values = sa.Table(
    "defence_score_values",
    metadata,
    sa.Column("score_id", sa.Integer, sa.ForeignKey("defence_scores.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("criterion_id", sa.Integer, sa.ForeignKey("defence_criteria.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


# --- Consultations with specialists, reminders, the cross-event cabinet --------------------------

# A specialist's time that one person may book. The specialist is a staff account (a consultant who
# sees their day) or just a name; `timezone` is the centre's or the event's, for showing the time.
consultation_slots = sa.Table(
    "consultation_slots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="SET NULL")),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("specialist_name", sa.Text, nullable=False),
    sa.Column("specialist_staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    sa.Column("centre", sa.Text),
    sa.Column("starts_at", UTCDateTime(), nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("place", sa.Text),
    sa.Column("online_url", sa.Text),
    # Raised when the time or place changes, so calendar clients replace their copy.
    sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cancelled_at", UTCDateTime()),
    _created(),
    _updated(),
    sa.CheckConstraint("minutes > 0 AND minutes <= 480", name="minutes"),
    sa.Index("ix_consultation_slots_starts", "starts_at"),
)

# One person's booking of a slot. At most one active booking per slot: the partial unique index is
# the whole race guard, so twenty people pressing at once leave exactly one row `booked`.
consultation_bookings = sa.Table(
    "consultation_bookings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slot_id", sa.Integer, sa.ForeignKey("consultation_slots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("surname", sa.Text),
    sa.Column("given_name", sa.Text),
    sa.Column("patronymic", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("phone", sa.String(16)),
    sa.Column("organisation_name", sa.Text),
    sa.Column("organisation_inn", sa.String(12)),
    sa.Column("consent_version", sa.String(32), nullable=False),
    sa.Column("consent_at", UTCDateTime(), nullable=False),
    sa.Column("consent_ip", sa.String(45)),
    sa.Column("language", sa.String(2), nullable=False, server_default="ru"),
    # The booking's own link (manage, cancel, calendar file); only its holder knows it.
    sa.Column("secret", sa.String(43), nullable=False, unique=True),
    # What the specialist recorded: held or no-show, and a note that only staff see.
    sa.Column("outcome", sa.String(8)),
    sa.Column("staff_note", sa.Text),
    sa.Column("cancelled_at", UTCDateTime()),
    _created(),
    _updated(),
    sa.CheckConstraint("status IN ('booked', 'cancelled')", name="status"),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('held', 'no_show')", name="outcome"),
    sa.Index("uq_consultation_bookings_active_slot", "slot_id", unique=True,
             sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'")),
    sa.Index("ix_consultation_bookings_email", "email"),
)

# Reminders the service owes, one row per (kind, subject): the durable schedule. A process claims due
# rows with a conditional UPDATE (SKIP LOCKED on PostgreSQL) and marks one sent in the same
# transaction that puts its letter in the outbox, so no reminder is sent twice or lost on restart.
reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(24), nullable=False),
    # `booking:<id>` or `registration:<id>:<YYYY-MM-DD>`.
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE")),
    # The moment the reminder is about (the consultation's start, the event day's start): when it
    # moves, the reminder is due again for the new time.
    sa.Column("subject_at", UTCDateTime(), nullable=False),
    sa.Column("due_at", UTCDateTime(), nullable=False),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", UTCDateTime()),
    sa.Column("sent_at", UTCDateTime()),
    sa.Column("cancelled_at", UTCDateTime()),
    _created(),
    sa.UniqueConstraint("kind", "subject", name="uq_reminders_kind_subject"),
    sa.Index("ix_reminders_due", "sent_at", "due_at"),
)

# What an organiser chose for an event's reminders; no row means the defaults.
reminder_settings = sa.Table(
    "reminder_settings",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("day_before_at", sa.String(5), nullable=False, server_default="10:00"),
    sa.Column("day_before", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("consultation_day_before", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("consultation_hour_before", sa.Boolean, nullable=False, server_default=sa.true()),
)

# A link to the cabinet that gathers everything one e-mail address holds across events. Only the
# hash of the token is kept.
cabinet_links = sa.Table(
    "cabinet_links",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    _created(),
)

# One row: moved by database triggers on every change to a programme table (migration 0010),
# so caches of public pages and feeds can tell, with one small read, whether they are current.
programme_version = sa.Table(
    "programme_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
)


# --- Badges, online attendance and certificates -------------------------------------------------

# When a delegate's badge was last printed, so "not printed yet" can leave them out.
badge_prints = sa.Table(
    "badge_prints",
    metadata,
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("printed_at", UTCDateTime(), nullable=False),
    sa.Column("times", sa.Integer, nullable=False, server_default="1"),
)

# The organiser's own legend of a category's band on the badges: its words and its colour.
badge_legends = sa.Table(
    "badge_legends",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("colour", sa.String(7), nullable=False),
)

# A delegate's personal link to one online session (`/j/{token}`). Following it counts a join;
# the webinar's own address is only ever given as the redirect of a live token.
join_links = sa.Table(
    "join_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token", sa.String(43), nullable=False, unique=True),
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("first_joined_at", UTCDateTime()),
    sa.Column("last_joined_at", UTCDateTime()),
    sa.Column("joins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("revoked_at", UTCDateTime()),
    sa.UniqueConstraint("registration_id", "session_id", name="uq_join_links_registration_session"),
    sa.Index("ix_join_links_session", "session_id"),
)

# An event's completion rule: at least `min_online` of its online sessions joined, and a door
# check-in on `checkin_day` ('day'), on any day ('any') or none needed ('none').
certificate_rules = sa.Table(
    "certificate_rules",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("min_online", sa.Integer, nullable=False, server_default="0"),
    sa.Column("checkin", sa.String(8), nullable=False, server_default="any"),
    sa.Column("checkin_day", sa.Date),
    sa.Column("hours", sa.Integer),
    sa.Column("signatory", sa.Text),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("min_online >= 0", name="min_online"),
    sa.CheckConstraint("checkin IN ('none', 'any', 'day')", name="checkin"),
)

# An issued certificate. The PDF is drawn again from this row whenever it is asked for, so
# erasing `holder_name` (consent withdrawn) erases it from every copy the service can hand out.
certificates = sa.Table(
    "certificates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(24), nullable=False, unique=True),
    sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    sa.Column("registration_id", sa.Integer, sa.ForeignKey("registrations.id", ondelete="SET NULL")),
    sa.Column("holder_name", sa.Text),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime()),
    sa.Column("erased_at", UTCDateTime()),
    sa.UniqueConstraint("event_id", "registration_id", name="uq_certificates_event_registration"),
)
