"""The one wording of a wrong-day or wrong-bus refusal, shared by the door and the lists."""

from __future__ import annotations

from datetime import date

from events_app import i18n
from events_app.domain.checkin import Reason
from events_app.services.checkin.refusals import refusal_message

RU = i18n.translations("ru")
EN = i18n.translations("en")


def test_wrong_bus_names_the_delegates_bus_in_each_language() -> None:
    assert refusal_message(RU, "ru", Reason.WRONG_BUS, bus="Автобус 2") == "Не тот автобус: участник едет в «Автобус 2»"
    assert refusal_message(EN, "en", Reason.WRONG_BUS, bus="Bus 2") == "Wrong bus: this delegate goes on Bus 2"


def test_wrong_day_names_the_tickets_days() -> None:
    days = [date(2026, 4, 3), date(2026, 4, 2)]

    assert refusal_message(RU, "ru", Reason.WRONG_DAY, ticket_days=days) == "Билет на 2 и 3 апреля, не на сегодня"
    assert refusal_message(EN, "en", Reason.WRONG_DAY, ticket_days=days) == "Ticket for 2 and 3 April, not for today"


def test_a_list_of_another_day_is_named_before_the_tickets_days() -> None:
    message = refusal_message(RU, "ru", Reason.WRONG_DAY, ticket_days=[date(2026, 4, 2)],
                              other_list_day=date(2026, 4, 3))

    assert message == "Этот список — на 3 апреля, не на сегодня: выберите сегодняшний список"


def test_wrong_day_without_days_and_other_answers_keep_their_plain_words() -> None:
    assert refusal_message(RU, "ru", Reason.WRONG_DAY) == "Билет не на сегодня"
    assert refusal_message(RU, "ru", None) == "Проходите"
    assert refusal_message(EN, "en", Reason.LIST_CLOSED, bus="Bus 2") == "This list is closed"
