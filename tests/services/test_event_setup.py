"""Event set-up: the rules of each form, what is stored, and the audit entry written with it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.agenda_file import AgendaFileError
from events_app.domain.errors import InvalidInput
from events_app.domain.staff import StaffMember
from events_app.services.event_setup import events, organisations
from events_app.services.event_setup.events import Actor, SessionsOutsideDays, VenueInUse
from events_app.services.programme.importer import import_agendas, read_agenda_files
from events_app.settings import Settings
from tests.conftest import settings_for

SCHEDULES = Path(__file__).resolve().parents[2] / "schedules"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
NEW_EVENT = {"slug": "kirov-2026", "title": "Сессия в Кирове", "title_en": "", "format": "practical_session",
             "city": "Киров", "region_code": "43", "timezone": "Europe/Kirov", "starts_on": "2026-12-17",
             "ends_on": "2026-12-18"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _actor(store: Store) -> Actor:
    staff_id = await store.insert(t.staff.insert().values(email="admin@example.ru", name="Admin", password_hash="x",
                                                          is_admin=True, created_at=NOW).returning(t.staff.c.id))
    return Actor(member=StaffMember(id=staff_id, email="admin@example.ru", name="Admin", is_admin=True),
                 ip="192.0.2.1", now=NOW)


async def _syktyvkar(store: Store) -> int:
    await import_agendas(store, read_agenda_files([SCHEDULES / "syktyvkar-2021.toml"]))
    return int(await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == "syktyvkar-2021")))


async def _audit(store: Store, action: str) -> list[dict[str, Any]]:
    return [dict(row) for row in await store.fetch_all(
        sa.select(t.audit_log).where(t.audit_log.c.action == action).order_by(t.audit_log.c.id))]


async def _refused(call: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        await call
    return caught.value.fields


async def test_create_event_stores_a_draft_and_audits_it(store: Store) -> None:
    actor = await _actor(store)

    slug = await events.create_event(store, NEW_EVENT, actor=actor)

    row = await store.fetch_one(sa.select(t.events).where(t.events.c.slug == slug))
    assert row is not None
    assert (row["title"], row["format"], row["city"], row["region_code"], row["timezone"]) == (
        "Сессия в Кирове", "practical_session", "Киров", "43", "Europe/Kirov")
    assert (row["starts_on"], row["ends_on"], row["status"], row["title_en"]) == (
        date(2026, 12, 17), date(2026, 12, 18), "draft", None)
    entries = await _audit(store, "event.create")
    assert [(e["subject"], e["event_id"], e["actor"], e["ip"]) for e in entries] == [
        ("Сессия в Кирове", row["id"], "admin@example.ru", "192.0.2.1")]


@pytest.mark.parametrize(("change", "field"), [
    ({"slug": "Kirov 2026!"}, "slug"),
    ({"ends_on": "2026-12-16"}, "ends_on"),
    ({"starts_on": "17.12.2026"}, "starts_on"),
    ({"timezone": "Moscow"}, "timezone"),
    ({"region_code": "99"}, "region_code"),
    ({"format": "party"}, "format"),
    ({"title": "  "}, "title"),
])
async def test_create_event_refuses_each_bad_field(store: Store, change: dict[str, str], field: str) -> None:
    actor = await _actor(store)

    fields = await _refused(events.create_event(store, {**NEW_EVENT, **change}, actor=actor))

    assert list(fields) == [field]
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.events)) == 0


async def test_create_event_refuses_a_slug_in_use(store: Store) -> None:
    actor = await _actor(store)
    await events.create_event(store, NEW_EVENT, actor=actor)

    fields = await _refused(events.create_event(store, NEW_EVENT, actor=actor))

    assert fields == {"slug": "An event with this address already exists"}


async def test_changing_days_that_leave_sessions_outside_is_refused_naming_them(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)
    settings = await events.event_settings(store, event_id)

    with pytest.raises(SessionsOutsideDays) as caught:
        await events.update_details(store, event_id, {**settings.details_form(), "ends_on": "2021-04-01"},
                                         actor=actor)

    titles = [title for title, _ in caught.value.sessions]
    assert "Предварительная защита совместных кластерных проектов" in titles
    assert all(starts.date() == date(2021, 4, 2) for _, starts in caught.value.sessions)
    assert list(caught.value.fields) == ["ends_on"]
    assert (await events.event_settings(store, event_id)).ends_on == date(2021, 4, 2)
    assert await _audit(store, "event.update") == []


async def test_details_change_is_stored_and_audited_with_what_changed(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)
    settings = await events.event_settings(store, event_id)

    await events.update_details(store, event_id, {**settings.details_form(), "city": "Сыктывкар (Коми)",
                                                       "ends_on": "2021-04-03", "description": "Новое описание"},
                                     actor=actor)

    changed = await events.event_settings(store, event_id)
    assert (changed.city, changed.ends_on, changed.description) == ("Сыктывкар (Коми)", date(2021, 4, 3),
                                                                    "Новое описание")
    (entry,) = await _audit(store, "event.update")
    assert '"city": "Сыктывкар (Коми)"' in entry["details"] and "ends_on" in entry["details"]


async def test_publishing_sets_the_status_and_is_audited(store: Store) -> None:
    actor = await _actor(store)
    await events.create_event(store, NEW_EVENT, actor=actor)
    event_id = int(await store.fetch_val(sa.select(t.events.c.id)))

    await events.set_status(store, event_id, "published", actor=actor)

    assert (await events.event_settings(store, event_id)).status == "published"
    assert [e["subject"] for e in await _audit(store, "event.publish")] == ["Сессия в Кирове"]


async def test_registration_settings_store_local_times_in_utc(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)

    await events.update_registration(store, event_id, {
        "capacity": "120", "registration_opens": "2021-03-01T09:00", "registration_closes": "2021-03-31T18:30",
        "moderation": "1", "consent_version": "komi-2021", "consent_text": "Согласен на обработку данных."},
        actor=actor)

    row = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    assert row is not None
    assert (row["capacity"], row["moderation"], row["consent_version"], row["consent_text"]) == (
        120, True, "komi-2021", "Согласен на обработку данных.")
    assert row["registration_opens_at"] == datetime(2021, 3, 1, 6, 0, tzinfo=UTC)
    assert row["registration_closes_at"] == datetime(2021, 3, 31, 15, 30, tzinfo=UTC)
    settings = await events.event_settings(store, event_id)
    assert settings.registration_form()["registration_opens"] == "2021-03-01T09:00"
    (entry,) = await _audit(store, "event.registration_settings")
    assert "komi-2021" in entry["details"]


async def test_changed_consent_text_needs_a_new_version(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)
    form = {"capacity": "", "consent_version": "v1", "consent_text": "Первый текст."}
    await events.update_registration(store, event_id, form, actor=actor)

    fields = await _refused(events.update_registration(
        store, event_id, {**form, "consent_text": "Другой текст."}, actor=actor))

    assert list(fields) == ["consent_version"]
    assert (await events.event_settings(store, event_id)).consent_text == "Первый текст."
    await events.update_registration(store, event_id, {**form, "consent_version": "v2",
                                                            "consent_text": "Другой текст."}, actor=actor)
    assert (await events.event_settings(store, event_id)).consent_version == "v2"


@pytest.mark.parametrize(("form", "field"), [
    ({"capacity": "0"}, "capacity"),
    ({"capacity": "много"}, "capacity"),
    ({"registration_opens": "2021-03-02T10:00", "registration_closes": "2021-03-01T10:00"}, "registration_closes"),
    ({"consent_text": "Текст без версии."}, "consent_version"),
    ({"consent_version": "v9"}, "consent_text"),
])
async def test_registration_settings_refuse_each_bad_field(store: Store, form: dict[str, str], field: str) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)

    fields = await _refused(events.update_registration(store, event_id, form, actor=actor))

    assert list(fields) == [field]


VENUE = {"key": "factory", "name": "Завод", "kind": "enterprise", "address": "ул. Заводская, 1",
         "latitude": "61,67", "longitude": "50.84", "organisation": "luzales", "description": ""}


async def test_venue_is_added_with_its_host_and_coordinates(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)

    await events.save_venue(store, event_id, None, VENUE, actor=actor)

    (venue,) = [v for v in await events.venues(store, event_id) if v.key == "factory"]
    assert (venue.name, venue.kind, venue.address, venue.latitude, venue.longitude, venue.organisation_key,
            venue.sessions) == ("Завод", "enterprise", "ул. Заводская, 1", 61.67, 50.84, "luzales", 0)
    assert [e["subject"] for e in await _audit(store, "venue.create")] == ["Завод"]


@pytest.mark.parametrize(("change", "field"), [
    ({"latitude": "91"}, "latitude"),
    ({"longitude": "-180.5"}, "longitude"),
    ({"longitude": ""}, "longitude"),
    ({"key": "Завод"}, "key"),
    ({"key": "mondi"}, "key"),
    ({"kind": "castle"}, "kind"),
    ({"organisation": "nobody"}, "organisation"),
])
async def test_venue_refuses_each_bad_field(store: Store, change: dict[str, str], field: str) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)

    fields = await _refused(events.save_venue(store, event_id, None, {**VENUE, **change}, actor=actor))

    assert list(fields) == [field]


async def test_a_venue_in_use_is_not_removed_and_an_unused_one_is(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)
    venues = {v.key: v for v in await events.venues(store, event_id)}
    await events.save_venue(store, event_id, None, VENUE, actor=actor)
    unused = next(v for v in await events.venues(store, event_id) if v.key == "factory")

    with pytest.raises(VenueInUse) as caught:
        await events.remove_venue(store, event_id, venues["mondi"].id, actor=actor)
    await events.remove_venue(store, event_id, unused.id, actor=actor)

    assert "Посещение АО «Монди СЛПК»" in " ".join(caught.value.sessions)
    keys = {v.key for v in await events.venues(store, event_id)}
    assert "mondi" in keys and "factory" not in keys
    assert [e["subject"] for e in await _audit(store, "venue.remove")] == ["Завод"]


ORGANISATION = {"key": "kirov-fund", "name": "Фонд развития Кировской области", "short_name": "",
                "inn": "4345000010", "region_code": "43", "website": "https://fond43.ru", "role": "partner"}


async def test_new_organisation_is_shared_and_listed_last(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)
    valid_inn = "7705596339"

    await organisations.add_new_organisation(store, event_id, {**ORGANISATION, "inn": valid_inn}, actor=actor)

    partners = [(o.organisation.key, o.position) for o in await organisations.event_organisations(store, event_id)
                if o.role == "partner"]
    assert partners == [("akit", 0), ("kirov-fund", 1)]
    stored = await organisations.organisation(store, "kirov-fund")
    assert (stored.inn, stored.region_code, stored.website, stored.short_name) == (
        valid_inn, "43", "https://fond43.ru", None)
    assert [e["subject"] for e in await _audit(store, "organisation.create")] == [
        "Фонд развития Кировской области"]


@pytest.mark.parametrize(("change", "field"), [
    ({"inn": "7705596338"}, "inn"),
    ({"inn": "12345"}, "inn"),
    ({"website": "fond43"}, "website"),
    ({"key": "akit"}, "key"),
    ({"name": ""}, "name"),
    ({"role": "sponsor"}, "role"),
])
async def test_new_organisation_refuses_each_bad_field(store: Store, change: dict[str, str], field: str) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)

    fields = await _refused(organisations.add_new_organisation(
        store, event_id, {**ORGANISATION, "inn": "7705596339", **change}, actor=actor))

    assert list(fields) == [field]


async def test_wrong_inn_check_digit_is_named(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)

    fields = await _refused(organisations.update_organisation(
        store, event_id, "minpromtorg", {"name": "Минпромторг", "inn": "7705596338"}, actor=actor))

    assert fields == {"inn": "The INN's check digit is wrong: check the number"}
    assert (await organisations.organisation(store, "minpromtorg")).inn == "7705596339"


async def test_organisers_are_reordered_and_removed(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)

    await organisations.move_organisation(store, event_id, "pravitelstvo-komi", "organiser", -1, actor=actor)
    await organisations.unlink_organisation(store, event_id, "moy-biznes-komi", "organiser", actor=actor)

    organisers = [(o.organisation.key, o.position) for o in await organisations.event_organisations(store, event_id)
                  if o.role == "organiser"]
    assert organisers == [("pravitelstvo-komi", 0), ("minpromtorg", 1)]
    assert await organisations.organisation(store, "moy-biznes-komi")  # still shared
    assert len(await _audit(store, "event.organisation_move")) == 1
    assert len(await _audit(store, "event.organisation_remove")) == 1


async def test_importing_another_events_file_is_refused(store: Store, settings: Settings) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)
    content = (SCHEDULES / "kirov-2020.toml").read_bytes()

    with pytest.raises(AgendaFileError) as caught:
        await events.import_agenda_file(store, settings, event_id, filename="kirov-2020.toml", content=content,
                                        actor=actor)

    (problem,) = caught.value.errors
    assert (problem.file, problem.path) == ("kirov-2020.toml", "event.slug")
    assert "kirov-2020" in problem.message
    assert await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == "kirov-2020")) is None


async def test_importing_this_events_file_reports_the_changes_and_audits(store: Store, settings: Settings) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)
    text = (SCHEDULES / "syktyvkar-2021.toml").read_text(encoding="utf-8")
    changed = text.replace('key = "d2-coffee"', 'key = "d2-coffee-break"')

    report = await events.import_agenda_file(store, settings, event_id, filename="s.toml", content=changed.encode(),
                                             actor=actor)

    assert (report.sessions_added, report.sessions_cancelled) == (1, 1)
    (entry,) = await _audit(store, "agenda.import")
    assert entry["event_id"] == event_id and '"sessions_added": 1' in entry["details"]


async def test_a_venue_with_a_drafted_session_is_not_removed(store: Store) -> None:
    actor, event_id = await _actor(store), await _syktyvkar(store)
    await events.save_venue(store, event_id, None, VENUE, actor=actor)
    venue = next(v for v in await events.venues(store, event_id) if v.key == "factory")
    await store.execute(t.session_drafts.insert().values(
        event_id=event_id, kind="seminar", title="Новый семинар", venue_id=venue.id, speakers="[]", removed=False,
        starts_at=datetime(2021, 4, 1, 7, 0, tzinfo=UTC), ends_at=datetime(2021, 4, 1, 8, 0, tzinfo=UTC),
        signup_required=False, updated_at=NOW))

    with pytest.raises(VenueInUse) as caught:
        await events.remove_venue(store, event_id, venue.id, actor=actor)

    assert caught.value.sessions == ["Новый семинар (черновик)"]
