"""The English interface: data with an English variant is shown in English."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from events_app.clock import FixedClock
from tests.factories import NOW, register_by_form

MONDI_EN = "Visit to Mondi Syktyvkar: presentation of the Komi Republic woodworking cluster"
MONDI_RU = "Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми"


@pytest.fixture
def clock() -> FixedClock:
    """Before the event: the cabinet still shows the delegate's visits and their buses."""
    return FixedClock(NOW)


def _my_visits(html: str) -> str:
    section = html.split('<section class="my-visits"', 1)[1].split("</section>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_the_english_cabinet_names_a_visit_by_its_english_title(client: TestClient) -> None:
    cabinet = register_by_form(client, sessions=["46"])

    russian = _my_visits(client.get(cabinet).text)
    client.get("/lang/en")
    english = _my_visits(client.get(cabinet).text)

    assert MONDI_RU in russian and MONDI_EN not in russian
    assert MONDI_EN in english and MONDI_RU not in english
