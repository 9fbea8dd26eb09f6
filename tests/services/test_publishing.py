"""Publishing drafts: sessions rewritten, a version with its changelog, one letter per affected
delegate, the audit entry, all in one transaction (on SQLite and PostgreSQL)."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import INTEGRITY_ERRORS, Store
from events_app.domain.changelog import ChangeKind
from events_app.domain.errors import InvalidInput
from events_app.domain.staff import StaffMember
from events_app.services.agenda_builder import drafts, publishing
from events_app.services.programme import catalogue, feeds
from events_app.services.programme.catalogue import EventView
from events_app.services.registration import signup
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import NOW, load_event, register, staff

EVENT = "syktyvkar-2021"


@pytest.fixture
async def event(store: Store) -> EventView:
    await load_event(store, EVENT)
    return await catalogue.get_event(store, EVENT)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path)


@pytest.fixture
async def organiser(store: Store) -> StaffMember:
    return await staff(store, "olga@example.ru", admin=True, name="Ольга")


async def _session(store: Store, key: str) -> dict[str, object]:
    row = await store.fetch_one(sa.select(t.sessions).where(t.sessions.c.key == key))
    assert row is not None
    return dict(row)


async def _delegate(store: Store, settings: Settings, email_address: str, sessions: list[int], *,
                    language: str = "ru", status: str = "confirmed", choice: str = "confirmed") -> int:
    """A delegate registered through the service, then cancelled or moved to the waiting list if asked;
    the ticket letter is dropped, so that the outbox holds only what publishing writes."""
    registration = await register(store, settings, email=email_address, patronymic="Сергеевна", language=language,
                                  sessions=[str(session) for session in sessions])
    if status == "cancelled":
        await signup.cancel(store, settings, registration.id, now=NOW)
    if choice == "waitlisted":  # a place on the waiting list without filling the visit first
        await store.execute(t.registration_choices.update().values(status="waitlisted")
                            .where(t.registration_choices.c.registration_id == registration.id))
    await store.execute(t.outbox.delete().where(t.outbox.c.registration_id == registration.id))
    return registration.id


async def _move(store: Store, event: EventView, organiser: StaffMember, key: str, start: str, end: str) -> None:
    session = await _session(store, key)
    workspace = await drafts.load_workspace(store, event)
    await drafts.place(store, workspace, f"s{session['id']}", day="2021-04-01", start=start, end=end,
                              venue=str(session["venue_id"]), actor=organiser, now=NOW)


def _letters(rows: list[dict[str, object]]) -> dict[str, str]:
    letters = {}
    for row in rows:
        message = email.message_from_string(str(row["message"]), policy=email.policy.default)
        letters[str(row["recipient"])] = message.get_body(("plain",)).get_content()
    return letters


async def test_publish_moves_cancels_adds_and_tells_each_delegate_their_changes(
        store: Store, event: EventView, organiser: StaffMember, settings: Settings) -> None:
    luzales, algraf, mondi = [await _session(store, k) for k in ("visit-luzales", "visit-algraf", "visit-mondi")]
    anna = await _delegate(store, settings, "anna@example.ru", [int(luzales["id"]), int(mondi["id"])])
    await _delegate(store, settings, "john@example.org", [int(algraf["id"])], language="en", choice="waitlisted")
    await _delegate(store, settings, "gone@example.ru", [int(luzales["id"])], status="cancelled")
    await _delegate(store, settings, "mondi@example.ru", [int(mondi["id"])])
    await _move(store, event, organiser, "visit-luzales", "14:00", "15:30")
    workspace = await drafts.load_workspace(store, event)
    await drafts.remove(store, workspace, f"s{algraf['id']}", actor=organiser, now=NOW)
    new = drafts.parse_session_form({"title": "Круглый стол", "kind": "workshop", "venue": "", "day": "2021-04-02",
                                            "start": "16:00", "end": "17:00"}, [], workspace=workspace)
    await drafts.save_draft(store, workspace, None, new, actor=organiser, now=NOW)

    result = await publishing.publish(store, settings, event, actor=organiser, now=NOW, ip="192.0.2.1")

    assert result.number == 1
    assert [c.kind for c in result.changes] == [ChangeKind.MOVED, ChangeKind.CANCELLED, ChangeKind.ADDED]
    moved = await _session(store, "visit-luzales")
    assert (moved["sequence"], moved["updated_at"]) == (1, NOW)
    assert moved["starts_at"] == datetime(2021, 4, 1, 11, 0, tzinfo=UTC)
    cancelled = await _session(store, "visit-algraf")
    assert (cancelled["cancelled_at"], cancelled["sequence"]) == (NOW, 1)
    added = await store.fetch_one(sa.select(t.sessions).where(t.sessions.c.title == "Круглый стол"))
    assert added is not None and str(added["key"]).startswith("added-") and added["sequence"] == 0
    assert (await _session(store, "visit-mondi"))["sequence"] == 0

    letters = _letters([dict(r) for r in await store.fetch_all(sa.select(t.outbox))])
    assert sorted(letters) == ["anna@example.ru", "john@example.org"]
    assert "- «Посещение ООО «Лузалес»: презентация совместного кластерного проекта «Освоение производства плит МДФ»»: время изменено с 13:30 на 14:00" in letters["anna@example.ru"]  # noqa: E501
    assert "Посещение АО «Монди" not in letters["anna@example.ru"] and "Алграф" not in letters["anna@example.ru"]
    assert "- Cancelled: «Visit to Algraf: the industrial technopark», Thursday, 1 April, 15:30–17:00" in letters["john@example.org"]  # noqa: E501
    outbox_ids = {r["registration_id"] for r in await store.fetch_all(sa.select(t.outbox.c.registration_id))}
    assert anna in outbox_ids

    version = await publishing.version(store, event, 1)
    assert (version.actor, version.mailed, len(version.changes)) == ("olga@example.ru", 2, 3)
    audit = await store.fetch_all(sa.select(t.audit_log).where(t.audit_log.c.action == "agenda.publish"))
    assert [(a["subject"], json.loads(a["details"]), a["ip"]) for a in audit] == [
        (event.title, {"version": 1, "changes": 3, "letters": 2}, "192.0.2.1")]
    assert await store.fetch_all(sa.select(t.session_drafts)) == []


async def test_publish_raises_the_sequence_that_the_personal_calendar_shows(
        store: Store, event: EventView, organiser: StaffMember, settings: Settings) -> None:
    luzales = await _session(store, "visit-luzales")
    registration = await _delegate(store, settings, "anna@example.ru", [int(luzales["id"])])
    token = await store.fetch_val(sa.select(t.registrations.c.calendar_token).where(t.registrations.c.id == registration))  # noqa: E501
    await _move(store, event, organiser, "visit-luzales", "12:30", "14:00")

    await publishing.publish(store, settings, event, actor=organiser, now=NOW)

    calendar = (await feeds.personal_calendar(store, token, feeds.publication_for(settings))).decode()
    [block] = [b for b in calendar.split("BEGIN:VEVENT") if f"UID:session-{luzales['id']}@" in b]
    assert "DTSTART;TZID=Europe/Moscow:20210401T123000" in block
    assert "SEQUENCE:1" in block


async def test_second_publication_gets_the_next_number_and_a_capacity_change_mails_nobody(
        store: Store, event: EventView, organiser: StaffMember, settings: Settings) -> None:
    luzales = await _session(store, "visit-luzales")
    await _delegate(store, settings, "anna@example.ru", [int(luzales["id"])])
    await _move(store, event, organiser, "visit-luzales", "14:00", "15:30")
    await publishing.publish(store, settings, event, actor=organiser, now=NOW)
    workspace = await drafts.load_workspace(store, event)
    item = drafts.find_item(workspace, f"s{luzales['id']}")
    fields = drafts.parse_session_form({**drafts.form_values(item), "capacity": "60"}, [], workspace=workspace)
    await drafts.save_draft(store, workspace, item.ref, fields, actor=organiser, now=NOW)

    second = await publishing.publish(store, settings, event, actor=organiser, now=NOW)

    assert second.number == 2
    assert [(c.kind, c.old, c.new) for c in second.changes] == [(ChangeKind.CAPACITY, "40", "60")]
    assert second.mailed == 0
    assert (await _session(store, "visit-luzales"))["sequence"] == 1
    assert [v.number for v in await publishing.versions(store, event)] == [2, 1]


async def test_publish_without_drafts_is_refused(store: Store, event: EventView, organiser: StaffMember,
                                                 settings: Settings) -> None:
    with pytest.raises(InvalidInput) as refused:
        await publishing.publish(store, settings, event, actor=organiser, now=NOW)

    assert refused.value.message == "There are no changes to publish"


async def test_failed_publish_leaves_nothing_half_written(store: Store, event: EventView, organiser: StaffMember,
                                                          settings: Settings) -> None:
    luzales = await _session(store, "visit-luzales")
    mondi = await _session(store, "visit-mondi")
    await _delegate(store, settings, "anna@example.ru", [int(luzales["id"])])
    await _move(store, event, organiser, "visit-luzales", "14:00", "15:30")
    # A draft the sessions table refuses (it ends before it starts) comes after the good one.
    await store.execute(t.session_drafts.insert().values(
        event_id=event.id, session_id=mondi["id"], kind="site_visit", title="Монди", starts_at=mondi["ends_at"],
        ends_at=mondi["starts_at"], venue_id=mondi["venue_id"], signup_required=True, speakers="[]", removed=False,
        updated_at=NOW))

    with pytest.raises(INTEGRITY_ERRORS):
        await publishing.publish(store, settings, event, actor=organiser, now=NOW)

    assert (await _session(store, "visit-luzales"))["starts_at"] == luzales["starts_at"]
    assert (await _session(store, "visit-luzales"))["sequence"] == 0
    assert len(await store.fetch_all(sa.select(t.session_drafts))) == 2
    assert await store.fetch_all(sa.select(t.outbox)) == []
    assert await store.fetch_all(sa.select(t.agenda_publications)) == []
    assert await store.fetch_all(sa.select(t.audit_log).where(t.audit_log.c.action == "agenda.publish")) == []


async def test_workspace_flags_drafts_against_real_sign_ups(store: Store, event: EventView,
                                                            organiser: StaffMember, settings: Settings) -> None:
    luzales = await _session(store, "visit-luzales")
    algraf = await _session(store, "visit-algraf")
    await _delegate(store, settings, "anna@example.ru", [int(luzales["id"]), int(algraf["id"])])
    await _delegate(store, settings, "boris@example.ru", [int(luzales["id"])])
    await _move(store, event, organiser, "visit-algraf", "14:30", "16:00")
    workspace = await drafts.load_workspace(store, event)
    item = drafts.find_item(workspace, f"s{luzales['id']}")
    fields = drafts.parse_session_form({**drafts.form_values(item), "capacity": "1"}, [], workspace=workspace)
    await drafts.save_draft(store, workspace, item.ref, fields, actor=organiser, now=NOW)

    workspace = await drafts.load_workspace(store, event)

    found = {(c.kind.value, c.refs): dict(c.values) for c in workspace.conflicts}
    pair = (f"s{luzales['id']}", f"s{algraf['id']}")
    assert found[("delegate_overlap", pair)]["count"] == 1
    assert found[("capacity_below_signups", (f"s{luzales['id']}",))] == {
        "first": luzales["title"], "capacity": 1, "count": 2}
    assert [i.status for i in workspace.items if i.ref in pair] == ["changed", "changed"]
    assert (await _session(store, "visit-luzales"))["capacity"] == 40


async def test_more_places_published_seat_the_first_in_line(store: Store, event: EventView, organiser: StaffMember,
                                                            settings: Settings) -> None:
    luzales = await _session(store, "visit-luzales")
    await store.execute(t.sessions.update().where(t.sessions.c.id == luzales["id"]).values(capacity=1))
    await _delegate(store, settings, "anna@example.ru", [int(luzales["id"])])
    boris = await _delegate(store, settings, "boris@example.ru", [int(luzales["id"])])  # first on the waiting list
    await _delegate(store, settings, "vera@example.ru", [int(luzales["id"])])
    workspace = await drafts.load_workspace(store, event)
    item = drafts.find_item(workspace, f"s{luzales['id']}")
    fields = drafts.parse_session_form({**drafts.form_values(item), "capacity": "2"}, [], workspace=workspace)
    await drafts.save_draft(store, workspace, item.ref, fields, actor=organiser, now=NOW)

    await publishing.publish(store, settings, event, actor=organiser, now=NOW)

    choices = {r["registration_id"]: r["status"] for r in await store.fetch_all(
        sa.select(t.registration_choices).where(t.registration_choices.c.session_id == luzales["id"]))}
    assert sorted(choices.values()) == ["confirmed", "confirmed", "waitlisted"]
    assert choices[boris] == "confirmed"
    recipients = [r["recipient"] for r in await store.fetch_all(sa.select(t.outbox.c.recipient))]
    assert recipients == ["boris@example.ru"]


async def test_moved_visit_takes_its_bus_and_the_riders_letter_gives_the_new_departure(
        store: Store, event: EventView, organiser: StaffMember, settings: Settings) -> None:
    luzales = await _session(store, "visit-luzales")
    await _delegate(store, settings, "anna@example.ru", [int(luzales["id"])])
    await _delegate(store, settings, "john@example.org", [int(luzales["id"])], language="en")
    await _move(store, event, organiser, "visit-luzales", "11:00", "12:30")
    workspace = await drafts.load_workspace(store, event)
    # The draft already plans the bus at 10:30: nothing to warn about.
    assert [c.kind.value for c in workspace.conflicts_of(f"s{luzales['id']}")] == []

    await publishing.publish(store, settings, event, actor=organiser, now=NOW)

    bus = await store.fetch_one(sa.select(t.visit_details).where(t.visit_details.c.session_id == luzales["id"]))
    assert bus is not None
    assert (bus["departs_at"], bus["returns_at"]) == (datetime(2021, 4, 1, 7, 30, tzinfo=UTC),
                                                      datetime(2021, 4, 1, 9, 30, tzinfo=UTC))
    letters = _letters([dict(r) for r in await store.fetch_all(sa.select(t.outbox))])
    assert ("- Автобус на «Посещение ООО «Лузалес»: презентация совместного кластерного проекта «Освоение производства "
            "плит МДФ»»: отправление в 10:30 от места сбора: Проходная АО «Монди СЛПК», возвращение около 12:30"
            in letters["anna@example.ru"])
    assert ("- Bus to «Visit to Luzales: presentation of the joint cluster project “MDF board production”»: leaves at "
            "10:30 from Проходная АО «Монди СЛПК», returns about 12:30" in letters["john@example.org"])


async def test_bus_set_to_leave_after_the_visit_starts_is_a_conflict_in_the_builder(
        store: Store, event: EventView, organiser: StaffMember, settings: Settings) -> None:
    luzales = await _session(store, "visit-luzales")
    await store.execute(t.visit_details.update().where(t.visit_details.c.session_id == luzales["id"])
                        .values(departs_at=datetime(2021, 4, 1, 10, 45, tzinfo=UTC)))

    workspace = await drafts.load_workspace(store, event)

    conflicts = workspace.conflicts_of(f"s{luzales['id']}")
    assert [(c.kind.value, c.values["departs"], c.values["starts"]) for c in conflicts] == [
        ("bus_leaves_late", "13:45", "13:30")]


async def test_change_letter_names_the_delegates_sessions_that_now_overlap_and_how_to_change(
        store: Store, event: EventView, organiser: StaffMember, settings: Settings) -> None:
    luzales, algraf, mondi = [await _session(store, k) for k in ("visit-luzales", "visit-algraf", "visit-mondi")]
    await _delegate(store, settings, "anna@example.ru", [int(luzales["id"]), int(algraf["id"]), int(mondi["id"])])
    await _delegate(store, settings, "john@example.org", [int(luzales["id"]), int(algraf["id"])], language="en")
    await _delegate(store, settings, "solo@example.ru", [int(luzales["id"])])
    await _move(store, event, organiser, "visit-luzales", "15:00", "16:30")

    await publishing.publish(store, settings, event, actor=organiser, now=NOW)

    letters = _letters([dict(r) for r in await store.fetch_all(sa.select(t.outbox))])
    anna = letters["anna@example.ru"]
    assert "Теперь пересекаются по времени занятия, на которые вы записаны:" in anna
    after_heading = anna.split("Теперь пересекаются по времени занятия, на которые вы записаны:", 1)[1]
    clash = [line for line in after_heading.splitlines() if line.startswith("- «")]
    assert clash == ["- «Посещение ООО «Лузалес»: презентация совместного кластерного проекта «Освоение производства "
                     "плит МДФ»» (1 апреля, четверг, 15:00–16:30) и «Посещение ООО «Алграф»: промышленный технопарк» "
                     "(1 апреля, четверг, 15:30–17:00)"]
    assert "снимите отметку с одного из занятий и нажмите «Сохранить»" in anna
    assert "These sessions you signed up for now overlap:" in letters["john@example.org"]
    assert "- «Visit to Luzales" in letters["john@example.org"]
    assert "пересекаются" not in letters["solo@example.ru"]
