"""Seating delegates on buses: capacity, colleagues together, balance; visit facts."""

from __future__ import annotations

from collections import Counter

import pytest

from events_app.domain.errors import InvalidInput
from events_app.domain.site_visits import (
    Bus,
    BusFields,
    Rider,
    TransportKind,
    assign_seats,
    map_link,
    next_bus_key,
    organisation_key,
    read_bus,
    requirement_texts,
    split_organisations,
)


def _riders(sizes: list[int], start: int = 1) -> list[Rider]:
    riders, number = [], start
    for index, size in enumerate(sizes):
        for _ in range(size):
            riders.append(Rider(number, f"org-{index}"))
            number += 1
    return riders


def test_assign_seats_fills_two_buses_without_splitting_organisations() -> None:
    sizes = [6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1, 1]  # 40 delegates from 14 organisations
    riders = _riders(sizes)

    seating = assign_seats([Bus(1, 20), Bus(2, 20)], riders)

    assert len(seating) == 40
    assert Counter(seating.values()) == {1: 20, 2: 20}
    assert split_organisations(seating, {r.registration_id: r.organisation for r in riders}) == set()


def test_assign_seats_splits_only_an_organisation_too_large_for_any_bus() -> None:
    riders = _riders([25, 4, 3, 3])

    seating = assign_seats([Bus(1, 20), Bus(2, 20)], riders)

    assert Counter(seating.values()) == {1: 20, 2: 15}
    assert split_organisations(seating, {r.registration_id: r.organisation for r in riders}) == {"org-0"}


def test_assign_seats_never_exceeds_seats_and_leaves_the_rest_unseated() -> None:
    riders = _riders([1] * 45)

    seating = assign_seats([Bus(1, 20), Bus(2, 20)], riders)

    assert len(seating) == 40
    assert max(Counter(seating.values()).values()) == 20
    assert sorted({r.registration_id for r in riders} - set(seating)) == [41, 42, 43, 44, 45]


def test_assign_seats_balances_buses_when_they_are_not_full() -> None:
    seating = assign_seats([Bus(1, 20), Bus(2, 20)], _riders([1] * 10))

    assert Counter(seating.values()) == {1: 5, 2: 5}


def test_assign_seats_puts_a_newcomer_with_colleagues_already_on_board() -> None:
    buses = [Bus(1, 20, ("org-0",) * 3), Bus(2, 20, ("other",))]

    seating = assign_seats(buses, [Rider(99, "org-0")])

    assert seating == {99: 1}


def test_assign_seats_with_colleague_bus_full_uses_another_bus() -> None:
    buses = [Bus(1, 3, ("org-0",) * 3), Bus(2, 20)]

    assert assign_seats(buses, [Rider(7, "org-0")]) == {7: 2}


def test_assign_seats_without_buses_seats_nobody() -> None:
    assert assign_seats([], _riders([3])) == {}


def test_people_without_an_organisation_are_not_grouped_together() -> None:
    riders = [Rider(1, ""), Rider(2, ""), Rider(3, "")]

    seating = assign_seats([Bus(1, 2), Bus(2, 2)], riders)

    assert len(seating) == 3 and split_organisations(seating, {1: "", 2: "", 3: ""}) == set()


def test_organisation_key_ignores_legal_form_quotes_and_case() -> None:
    assert organisation_key("ООО «Лузалес»") == organisation_key("лузалес") == "лузалес"
    assert organisation_key('АО "Монди СЛПК"') == "монди слпк"
    assert organisation_key(None) == ""


def test_map_link_points_at_the_coordinates() -> None:
    assert map_link(61.6688, 50.8364) == (
        "https://www.openstreetmap.org/?mlat=61.66880&mlon=50.83640#map=17/61.66880/50.83640")
    assert map_link(None, 50.0) is None


def test_requirement_texts_fill_in_the_minimum_age() -> None:
    texts = requirement_texts(["closed_shoes", "minimum_age"], 18)

    assert texts == ["Closed flat shoes", "Minimum age: 18"]


AGENDA = """
[event]
slug = "visit-test"
title = "Проверка"
format = "practical_session"
city = "Сыктывкар"
region = "11"
timezone = "Europe/Moscow"
starts_on = 2021-04-01
ends_on = 2021-04-01

[[organisations]]
key = "mondi"
name = "АО «Монди СЛПК»"

[[venues]]
key = "mondi"
name = "АО «Монди СЛПК»"
kind = "enterprise"
address = "Сыктывкар"

[[sessions]]
key = "visit"
kind = "%(kind)s"
title = "Посещение"
starts_at = 2021-04-01T10:00:00
ends_at = 2021-04-01T12:00:00
venue = "mondi"

[sessions.visit]
host = "%(host)s"
departs_at = 2021-04-01T09:30:00
returns_at = %(returns)s
requirements = ["passport", %(requirement)s]

[[sessions.visit.transport]]
key = "bus-1"
name = "Автобус 1"
seats = %(seats)s
curator_phone = "+7 912 100-20-31"

[[sessions.visit.transport]]
key = "bus-1"
name = "Автобус 2"
seats = 20
"""
GOOD = {"kind": "site_visit", "host": "mondi", "returns": "2021-04-01T12:30:00", "requirement": '"closed_shoes"',
        "seats": "20"}


def test_agenda_file_reads_a_visit_and_writes_it_back() -> None:
    from events_app.domain.agenda_file import parse_agenda_text, render_agenda

    text = AGENDA % GOOD
    agenda = parse_agenda_text(text.replace('key = "bus-1"\nname = "Автобус 2"', 'key = "bus-2"\nname = "Автобус 2"'),
                               file="v.toml")
    visit = agenda.sessions[0].visit

    assert visit is not None and visit.host_key == "mondi"
    assert [(g.key, g.seats, g.curator_phone) for g in visit.transport] == [
        ("bus-1", 20, "+7 912 100-20-31"), ("bus-2", 20, None)]
    assert [code.value for code in visit.requirements] == ["passport", "closed_shoes"]
    assert parse_agenda_text(render_agenda(agenda), file="again.toml") == agenda


def test_agenda_file_names_every_visit_error() -> None:
    import pytest

    from events_app.domain.agenda_file import AgendaFileError, parse_agenda_text

    bad = {"kind": "site_visit", "host": "nobody", "returns": "2021-04-01T09:00:00", "requirement": '"helmet"',
           "seats": "0"}

    with pytest.raises(AgendaFileError) as error:
        parse_agenda_text(AGENDA % bad, file="v.toml")

    assert [str(e) for e in error.value.errors] == [
        "v.toml: sessions[0].visit.returns_at: the return must be after the departure",
        "v.toml: sessions[0].visit.requirements[1]: unknown requirement 'helmet'; expected one of: passport, "
        "closed_shoes, protective_clothing, minimum_age, no_photography",
        "v.toml: sessions[0].visit.transport[0].seats: must be between 1 and 120, got 0",
        "v.toml: sessions[0].visit.transport[1].key: duplicate key 'bus-1' (also sessions[0].visit.transport[0])",
    ]
    with pytest.raises(AgendaFileError) as unknown_host:
        parse_agenda_text((AGENDA % {**GOOD, "host": "nobody"}).replace(
            'key = "bus-1"\nname = "Автобус 2"', 'key = "bus-2"\nname = "Автобус 2"'), file="v.toml")
    assert [str(e) for e in unknown_host.value.errors] == [
        "v.toml: sessions[0].visit.host: unknown organisation 'nobody'"]


def test_only_a_site_visit_may_have_a_visit_table() -> None:
    import pytest

    from events_app.domain.agenda_file import AgendaFileError, parse_agenda_text

    with pytest.raises(AgendaFileError) as error:
        parse_agenda_text(AGENDA % {**GOOD, "kind": "workshop"}, file="v.toml")

    assert [str(e) for e in error.value.errors] == [
        "v.toml: sessions[0].visit: only a site_visit session has a [sessions.visit] table"]


def test_bus_form_reads_a_bus_with_spaces_trimmed_and_empty_fields_as_none() -> None:
    bus = read_bus({"kind": "car", "name": " Машина куратора ", "seats": " 4 ", "plate": "", "curator_name": " ",
                    "curator_phone": "+7 (912) 100-20-33"})

    assert bus == BusFields(kind=TransportKind.CAR, name="Машина куратора", seats=4, plate=None, curator_name=None,
                            curator_phone="+7 (912) 100-20-33")


@pytest.mark.parametrize(("seats", "message"), [
    ("", "Give the number of seats"), ("сорок", "Seats are a whole number, such as 45"),
    ("12.5", "Seats are a whole number, such as 45"), ("1e3", "Seats are a whole number, such as 45"),
    ("0", "A bus needs at least one seat"), ("-3", "A bus needs at least one seat"),
    ("121", "At most %(seats)s seats: check the number")])
def test_bus_seats_must_be_a_positive_whole_number_a_bus_can_have(seats: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_bus({"name": "Автобус 3", "seats": seats})

    assert refused.value.fields == {"seats": message}
    assert refused.value.values["seats"] == 120


def test_bus_form_names_every_wrong_field_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_bus({"kind": "boat", "name": "", "seats": "20", "plate": "x" * 21, "curator_phone": "по рации"})

    assert sorted(refused.value.fields) == ["curator_phone", "kind", "name", "plate"]


def test_a_new_bus_takes_the_first_free_number_of_its_kind() -> None:
    assert next_bus_key(TransportKind.BUS, ["bus-1", "bus-2"]) == "bus-3"
    assert next_bus_key(TransportKind.BUS, ["bus-2"]) == "bus-1"
    assert next_bus_key(TransportKind.CAR, ["bus-1", "car-1"]) == "car-2"
