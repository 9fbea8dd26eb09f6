"""Badges in the workspace: the page, printing all or one delegate's badge, the band legend, who may."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from tests.factories import add_staff, sign_in
from tests.pdf_support import page_text
from tests.web.test_organiser_registrations import _prepare

BASE = "/organiser/events/syktyvkar-2021/badges"


def _people() -> list[dict[str, str]]:
    return [{"surname": "Ёлкина", "organisation_name": "ООО «Ёлка»"},
            {"surname": "Егорова", "organisation_name": "ООО «Егерь»", "category": "expert"}]


def test_organiser_prints_every_badge_then_only_new_ones(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, _people())
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    csrf = sign_in(client, "org@example.ru")

    registrations = client.get("/organiser/events/syktyvkar-2021/registrations")
    before = client.get(BASE)
    printed = client.post(BASE + "/print", data={"csrf_token": csrf, "layout": "a4-8"})
    again = client.post(BASE + "/print", data={"csrf_token": csrf, "layout": "a4-8", "not_printed": "on"})
    after = client.get(BASE)

    assert f'href="{BASE}"' in registrations.text
    assert 'id="unprinted">Ещё не напечатано: 2<' in before.text
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.headers["x-badge-count"] == "2"
    text = page_text(printed.content)
    assert text.index("Егорова") < text.index("Ёлкина")
    assert again.headers["x-badge-count"] == "0"
    assert 'id="unprinted">Ещё не напечатано: 0<' in after.text


def test_a_delegates_own_badge_from_their_page(client: TestClient, database_url: str, tmp_path: Path) -> None:
    ids = _prepare(database_url, tmp_path, _people())
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    csrf = sign_in(client, "org@example.ru")
    one = ids["ООО «Егерь»"]
    detail_url = f"/organiser/events/syktyvkar-2021/registrations/{one}"

    detail = client.get(detail_url)
    printed = client.post(BASE + "/print", data={"csrf_token": csrf, "layout": "a6", "registration_id": str(one)})
    detail_after = client.get(detail_url)

    assert f'name="registration_id" value="{one}"' in detail.text
    assert printed.headers["x-badge-count"] == "1"
    text = page_text(printed.content)
    assert "Егорова" in text and "Ёлкина" not in text
    assert "Бейдж ещё не печатался" in detail.text
    assert "Бейдж напечатан" in detail_after.text and "Бейдж ещё не печатался" not in detail_after.text


def test_band_legend_is_saved_and_a_bad_colour_is_refused(client: TestClient, database_url: str,
                                                          tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, _people())
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    csrf = sign_in(client, "org@example.ru")
    page = client.get(BASE)
    form = dict(re.findall(r'name="((?:label|colour)_[a-z_]+)"[^>]*value="([^"]*)"', page.text))
    assert len(form) == 18

    refused = client.post(BASE + "/legend", data={**form, "colour_expert": "red", "csrf_token": csrf})
    saved = client.post(BASE + "/legend", data={**form, "label_expert": "Эксперт жюри", "csrf_token": csrf},
                        follow_redirects=False)
    printed = client.post(BASE + "/print", data={"csrf_token": csrf, "layout": "a4-8", "category": "expert"})

    assert refused.status_code == 422
    assert 'id="e-colour-expert">' in refused.text and 'aria-invalid="true"' in refused.text
    assert saved.status_code == 303 and saved.headers["location"].endswith("/badges?saved=1#legend")
    assert "Эксперт жюри" in page_text(printed.content)
    assert printed.headers["x-badge-count"] == "1"


def test_door_staff_may_not_print_badges(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, _people())
    add_staff(database_url, "door@example.ru", role="door", event="syktyvkar-2021")
    csrf = sign_in(client, "door@example.ru")

    page = client.get(BASE)
    printed = client.post(BASE + "/print", data={"csrf_token": csrf, "layout": "a4-8"})

    assert page.status_code == 403 and printed.status_code == 403
    assert "application/pdf" not in printed.headers["content-type"]
