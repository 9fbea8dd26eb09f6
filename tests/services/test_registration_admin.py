"""The organiser's registrations list on both backends: search, filters, bulk decisions, moves
between places and waiting lists, exports, and their audit entries."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.errors import DomainError, InvalidInput
from events_app.domain.staff import Role, StaffMember
from events_app.services.registration import roster, signup
from events_app.services.registration.roster import BulkRefused, Filters, SessionFull
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import NOW, load_event, register, staff

LATER = datetime(2021, 3, 22, 12, 0, tzinfo=UTC)
MONDI = "Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _names(store: Store, event_id: int, **filters: Any) -> list[str]:
    found = await roster.search(store, event_id=event_id, filters=Filters(**filters))
    return [line.organisation for line in found.lines]


async def _audit(store: Store) -> list[tuple[str, dict[str, Any]]]:
    rows = await store.fetch_all(sa.select(t.audit_log).where(t.audit_log.c.action.like("registration%"))
                                 .order_by(t.audit_log.c.id))
    return [(row["action"], json.loads(row["details"]) if row["details"] else {}) for row in rows]


async def _recipients(store: Store) -> list[tuple[str, str]]:
    return [(row["recipient"], row["subject"]) for row in
            await store.fetch_all(sa.select(t.outbox.c.recipient, t.outbox.c.subject).order_by(t.outbox.c.id))]


async def test_search_finds_by_name_organisation_email_phone_and_inn(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    await register(store, settings, 1, surname="Петров", given_name="Пётр", organisation_name="АО «Монди СЛПК»",
                    organisation_inn="7707083893")
    await register(store, settings, 2, surname="Сидорова", organisation_name="ООО «Лузалес»",
                    email="luza@forest.ru", phone="8 (8212) 55-66-77")
    await register(store, settings, 3)
    event = syktyvkar.id

    assert await _names(store, event, q="петров") == ["АО «Монди СЛПК»"]
    assert await _names(store, event, q="ЛУЗАЛЕС") == ["ООО «Лузалес»"]
    assert await _names(store, event, q="luza@forest") == ["ООО «Лузалес»"]
    assert await _names(store, event, q="55-66-77") == ["ООО «Лузалес»"]
    assert await _names(store, event, q="8 8212 556677") == ["ООО «Лузалес»"]
    assert await _names(store, event, q="7707083893") == ["АО «Монди СЛПК»"]
    assert await _names(store, event, q="анна участник 3") == ["ООО «Участник 3»"]
    assert await _names(store, event, q="никого") == []


async def test_filters_by_status_region_category_and_session(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 1})
    ids = syktyvkar.sessions
    visit = str(ids["visit-mondi"])
    await register(store, settings, 1, region_code="13", category="government", sessions=[visit])
    await register(store, settings, 2, region_code="11", category="enterprise", sessions=[visit])
    cancelled = await register(store, settings, 3, region_code="13", category="enterprise")
    await signup.cancel(store, settings, cancelled.id, now=NOW)
    event = syktyvkar.id

    assert await _names(store, event, status="cancelled") == ["ООО «Участник 3»"]
    assert await _names(store, event, status="confirmed") == ["ООО «Участник 1»", "ООО «Участник 2»"]
    assert await _names(store, event, region="13") == ["ООО «Участник 1»", "ООО «Участник 3»"]
    assert await _names(store, event, category="government") == ["ООО «Участник 1»"]
    assert await _names(store, event, session=ids["visit-mondi"]) == ["ООО «Участник 1»", "ООО «Участник 2»"]
    assert await _names(store, event, session=ids["visit-mondi"], place="waitlisted") == ["ООО «Участник 2»"]
    assert await _names(store, event, region="13", category="enterprise", status="confirmed") == []
    found = await roster.search(store, event_id=event, filters=Filters(session=ids["visit-mondi"]))
    assert [(c.status, c.position) for line in found.lines for c in line.choices] == [("confirmed", None),
                                                                                      ("waitlisted", 1)]


def test_filters_parse_drops_unknown_values_and_keep_the_rest_in_the_query() -> None:
    filters = Filters.parse({"q": "  Иван  Петров ", "status": "nonsense", "region": "13", "category": "media",
                             "session": "12x", "place": "waitlisted", "page": "3"})

    assert filters == Filters(q="Иван Петров", status="", region="13", category="media", session=None,
                              place="waitlisted", page=3)
    assert Filters.parse({"q": "x", "page": "2"}).query(page=1) == "q=x"
    assert filters.described() == {"q": "Иван Петров", "region": "13", "category": "media", "place": "waitlisted"}


async def test_search_pages_fifty_at_a_time(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    for n in range(52):
        await register(store, settings, n)

    second = await roster.search(store, event_id=syktyvkar.id, filters=Filters(page=2))

    assert (second.total, second.pages, second.page, [line.organisation for line in second.lines]) == (
        52, 2, 2, ["ООО «Участник 50»", "ООО «Участник 51»"])


async def test_bulk_approve_confirms_mails_tickets_and_audits(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, moderation=True)
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    first, second, third = [await register(store, settings, n) for n in (1, 2, 3)]

    count = await roster.decide_many(store, settings, event_id=syktyvkar.id,
                                                 registration_ids=[first.id, second.id], approve=True, reason="",
                                                 actor=actor, ip="198.51.100.4", now=LATER)

    assert count == 2
    statuses = {row["id"]: row["status"] for row in await store.fetch_all(sa.select(t.registrations))}
    assert statuses == {first.id: "confirmed", second.id: "confirmed", third.id: "pending"}
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.tickets).where(
        t.tickets.c.revoked_at.is_(None))) == 2
    approved = [(to, subject) for to, subject in await _recipients(store) if subject.startswith("Заявка одобрена")]
    assert [to for to, _ in approved] == ["delegate1@example.ru", "delegate2@example.ru"]
    assert [(action, details["registration_id"]) for action, details in await _audit(store)] == [
        ("registration.approve", first.id), ("registration.approve", second.id)]
    ip = await store.fetch_val(sa.select(t.audit_log.c.ip).where(t.audit_log.c.action == "registration.approve").limit(1))  # noqa: E501
    assert ip == "198.51.100.4"


async def test_bulk_reject_sends_the_reason_and_audits(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, moderation=True)
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    first, second = [await register(store, settings, n) for n in (1, 2)]

    await roster.decide_many(store, settings, event_id=syktyvkar.id, registration_ids=[first.id, second.id],
                                         approve=False, reason="  Нет мест  в зале ", actor=actor, ip=None, now=LATER)

    rows = await store.fetch_all(sa.select(t.registrations.c.status, t.registrations.c.decision_reason))
    assert [(row["status"], row["decision_reason"]) for row in rows] == [("rejected", "Нет мест в зале")] * 2
    letters = await store.fetch_all(sa.select(t.outbox.c.message).where(t.outbox.c.subject.like("%отклонена%")))
    assert len(letters) == 2
    texts = [email.message_from_string(row["message"], policy=email.policy.default).get_body(("plain",)).get_content()
             for row in letters]
    assert all("Причина: Нет мест в зале" in text for text in texts), texts
    assert [(action, details["reason"]) for action, details in await _audit(store)] == [
        ("registration.reject", "Нет мест в зале")] * 2


async def test_bulk_with_a_decided_registration_changes_nothing(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, moderation=True)
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    first, second = [await register(store, settings, n) for n in (1, 2)]
    await signup.decide(store, settings, second.id, approve=True, reason=None, now=NOW)
    letters_before = await _recipients(store)

    with pytest.raises(BulkRefused) as refused:
        await roster.decide_many(store, settings, event_id=syktyvkar.id,
                                             registration_ids=[first.id, second.id, 999999], approve=True,
                                             reason="", actor=actor, ip=None, now=LATER)

    assert refused.value.problems == [(second.id, "Иванова Анна", "Confirmed"),
                                      (999999, "", "no such registration in this event")]
    assert await store.fetch_val(sa.select(t.registrations.c.status).where(t.registrations.c.id == first.id)) == "pending"  # noqa: E501
    assert await _recipients(store) == letters_before
    assert await _audit(store) == []


async def test_bulk_reject_without_a_reason_or_a_selection_is_refused(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, moderation=True)
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    first = await register(store, settings, 1)

    with pytest.raises(InvalidInput) as no_reason:
        await roster.decide_many(store, settings, event_id=syktyvkar.id, registration_ids=[first.id],
                                             approve=False, reason="   ", actor=actor, ip=None, now=LATER)
    with pytest.raises(InvalidInput) as nothing:
        await roster.decide_many(store, settings, event_id=syktyvkar.id, registration_ids=[],
                                             approve=True, reason="", actor=actor, ip=None, now=LATER)

    assert list(no_reason.value.fields) == ["reason"]
    assert list(nothing.value.fields) == ["ids"]
    assert await store.fetch_val(sa.select(t.registrations.c.status)) == "pending"


async def _choice(store: Store, registration_id: int, session_id: int) -> str:
    return str(await store.fetch_val(sa.select(t.registration_choices.c.status).where(
        t.registration_choices.c.registration_id == registration_id,
                                                                                      t.registration_choices.c.session_id == session_id)))  # noqa: E501


async def test_move_to_the_waiting_list_gives_the_place_to_the_next_in_line(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 2})
    ids = syktyvkar.sessions
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    visit = ids["visit-mondi"]
    first, second, third, fourth = [await register(store, settings, n, sessions=[str(visit)]) for n in range(1, 5)]

    result = await roster.move(store, settings, event_id=syktyvkar.id, registration_id=first.id,
                                           session_id=visit, to="waitlist", actor=actor, ip=None, now=LATER)

    assert result.promoted == [third.id]
    assert [await _choice(store, r.id, visit) for r in (first, second, third, fourth)] == [
        "waitlisted", "confirmed", "confirmed", "waitlisted"]
    # The one moved goes to the end of the line.
    found = await roster.search(store, event_id=syktyvkar.id, filters=Filters(session=visit, place="waitlisted"))
    assert [(line.id, line.choices[0].position) for line in found.lines] == [(first.id, 2), (fourth.id, 1)]
    assert (await _recipients(store))[-1] == ("delegate3@example.ru",
                                             "Место за вами: Практическая сессия по развитию промышленных кластеров России")  # noqa: E501
    assert [(action, details["promoted"]) for action, details in await _audit(store)] == [
        ("registration.move_to_waitlist", [third.id])]


async def test_move_to_the_waiting_list_with_nobody_waiting_keeps_the_place_free(store: Store,
                                                                               settings: Settings) -> None:
    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 2})
    ids = syktyvkar.sessions
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    visit = ids["visit-mondi"]
    first = await register(store, settings, 1, sessions=[str(visit)])

    result = await roster.move(store, settings, event_id=syktyvkar.id, registration_id=first.id,
                                           session_id=visit, to="waitlist", actor=actor, ip=None, now=LATER)

    assert (result.promoted, await _choice(store, first.id, visit)) == ([], "waitlisted")


async def test_move_from_the_waiting_list_when_a_place_is_free(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 1})
    ids = syktyvkar.sessions
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    visit = ids["visit-mondi"]
    first, second = [await register(store, settings, n, sessions=[str(visit)]) for n in (1, 2)]
    await signup.cancel(store, settings, first.id, now=NOW)  # second is promoted by the cancellation
    third = await register(store, settings, 3, sessions=[str(visit)])
    await store.execute(t.sessions.update().where(t.sessions.c.id == visit).values(capacity=2))

    await roster.move(store, settings, event_id=syktyvkar.id, registration_id=third.id, session_id=visit,
                                  to="confirmed", actor=actor, ip="198.51.100.4", now=LATER)

    assert [await _choice(store, r.id, visit) for r in (second, third)] == ["confirmed", "confirmed"]
    assert (await _recipients(store))[-1][0] == "delegate3@example.ru"
    assert [action for action, _ in await _audit(store)] == ["registration.move_to_confirmed"]


async def test_move_from_the_waiting_list_into_a_full_session_is_refused(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 1})
    ids = syktyvkar.sessions
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    visit = ids["visit-mondi"]
    first, second = [await register(store, settings, n, sessions=[str(visit)]) for n in (1, 2)]
    letters_before = await _recipients(store)

    with pytest.raises(SessionFull):
        await roster.move(store, settings, event_id=syktyvkar.id, registration_id=second.id,
                                      session_id=visit, to="confirmed", actor=actor, ip=None, now=LATER)

    assert [await _choice(store, r.id, visit) for r in (first, second)] == ["confirmed", "waitlisted"]
    assert await _recipients(store) == letters_before
    assert await _audit(store) == []


async def test_move_refuses_what_does_not_apply(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 1})
    ids = syktyvkar.sessions
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    visit = ids["visit-mondi"]
    first = await register(store, settings, 1, sessions=[str(visit)])
    second = await register(store, settings, 2, sessions=[str(visit)])

    async def attempt(registration_id: int, session_id: int, to: str) -> str:
        with pytest.raises(DomainError) as error:
            await roster.move(store, settings, event_id=syktyvkar.id, registration_id=registration_id,
                                          session_id=session_id, to=to, actor=actor, ip=None, now=LATER)
        return error.value.message

    assert await attempt(first.id, visit, "confirmed") == "This delegate already has a place in the session"
    assert await attempt(second.id, visit, "waitlist") == "This delegate is already on the session's waiting list"
    assert await attempt(first.id, ids["visit-luzales"],
                         "waitlist") == "This delegate has not signed up for this session"
    assert await _audit(store) == []


async def _export(store: Store, event_id: int, actor: StaffMember, fmt: str, filters: Filters) -> tuple[bytes, int]:
    return await roster.export(store, event_id=event_id, filters=filters, fmt=fmt,
                                           actor=actor, ip="198.51.100.4", now=LATER)


async def test_export_csv_has_the_filtered_rows_in_russian_and_is_audited(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 1})
    ids = syktyvkar.sessions
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    visit = str(ids["visit-mondi"])
    await register(store, settings, 1, region_code="13", category="government", sessions=[visit],
                    organisation_inn="7707083893", patronymic="Сергеевна")
    await register(store, settings, 2, region_code="13", sessions=[visit], organisation_name="=HYPERLINK(1)")
    await register(store, settings, 3, region_code="11")

    content, count = await _export(store, syktyvkar.id, actor, "csv", Filters(region="13"))

    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["№", "Статус", "Фамилия", "Имя", "Отчество", "Организация", "ИНН", "Должность", "Регион",
                       "Категория", "E-mail", "Телефон", "Дни", "Записи", "Зарегистрирован", "Причина отказа"]
    assert count == len(rows) - 1 == 2
    assert rows[1][1:14] == ["Подтверждена", "Иванова", "Анна", "Сергеевна", "ООО «Участник 1»", "7707083893",
                             "инженер",
                             "Республика Мордовия", "Орган государственной власти", "delegate1@example.ru",
                             "+79123456701",
                             "01.04.2021", f"{MONDI} — место подтверждено"]
    assert rows[1][14] == "20.03.2021 12:00"
    assert rows[2][5] == "'=HYPERLINK(1)"
    assert rows[2][13] == f"{MONDI} — лист ожидания №1"
    assert await _audit(store) == [("registrations.export", {"format": "csv", "filters": {"region": "13"}, "rows": 2})]


async def test_export_xlsx_opens_with_the_same_rows(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    for n in (1, 2, 3):
        await register(store, settings, n, category="media" if n == 2 else "enterprise")

    content, count = await _export(store, syktyvkar.id, actor, "xlsx", Filters(category="enterprise"))

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["№", "Статус", "Фамилия"]
    assert [row[5] for row in values[1:]] == ["ООО «Участник 1»", "ООО «Участник 3»"]
    assert values[1][14] == datetime(2021, 3, 20, 12, 0)
    assert count == 2
    assert await _audit(store) == [("registrations.export", {"format": "xlsx", "filters": {"category": "enterprise"},
                                                             "rows": 2})]


async def test_a_place_given_by_a_move_comes_with_a_bus_seat(store: Store, settings: Settings) -> None:
    from events_app.services.visits import seating

    syktyvkar = await load_event(store, session_capacity={"visit-mondi": 2})
    ids = syktyvkar.sessions
    actor = await staff(store, "org@example.ru", Role.ORGANISER, event_id=syktyvkar.id, name="Организатор")
    visit = ids["visit-mondi"]
    first, second, third = [await register(store, settings, n, sessions=[str(visit)]) for n in (1, 2, 3)]
    # One bus with two seats instead of the agenda's buses.
    await store.execute(t.transport_groups.delete().where(t.transport_groups.c.session_id == visit))
    await store.execute(t.transport_groups.insert().values(session_id=visit, key="bus-1", kind="bus", name="Автобус 1",
                                                           seats=2, position=1))
    async with store.transaction():
        await seating.fill_buses(store, visit, now=NOW)

    await roster.move(store, settings, event_id=syktyvkar.id, registration_id=first.id, session_id=visit,
                                  to="waitlist", actor=actor, ip=None, now=LATER)

    seated = {row["registration_id"] for row in await store.fetch_all(sa.select(t.transport_seats))}
    assert seated == {second.id, third.id}
