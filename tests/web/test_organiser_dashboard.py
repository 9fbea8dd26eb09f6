"""The event dashboard: the figures and charts an organiser sees, and what door staff and experts get."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from starlette.testclient import TestClient

from tests.factories import add_staff, sign_in
from tests.web.test_organiser_registrations import _prepare

DASHBOARD = "/organiser/events/syktyvkar-2021"
SVG = "{http://www.w3.org/2000/svg}"


def _charts(html: str) -> dict[str, ET.Element]:
    return {root.get("id", ""): root for root in
            (ET.fromstring(markup) for markup in re.findall(r"<svg .*?</svg>", html, flags=re.S))}


def _values(root: ET.Element) -> list[str]:
    return [rect.get("data-value", "") for rect in root.iter(f"{SVG}rect") if "bar" in rect.get("class", "").split()]


def test_organiser_sees_every_chart_with_the_figures(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, [{"region_code": "11", "sessions": "VISIT"}, {"region_code": "11"},
                                      {"region_code": "13", "category": "media", "sessions": "VISIT"}],
             visit_capacity=1)
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    sign_in(client, "org@example.ru")

    page = client.get(DASHBOARD)

    charts = _charts(page.text)
    assert sorted(charts) == ["chart-attendance", "chart-categories", "chart-checkin", "chart-fills", "chart-regions",
                              "chart-timeline"]
    assert charts["chart-attendance"].find(f"{SVG}title").text == "Посещаемость по сессиям"
    assert _values(charts["chart-timeline"]) == ["3"]
    assert _values(charts["chart-regions"]) == ["2", "1"]
    assert charts["chart-regions"].find(f"{SVG}desc").text == "Республика Коми: 2; Республика Мордовия: 1"
    assert _values(charts["chart-categories"]) == ["2", "1"]
    assert _values(charts["chart-fills"])[:1] == ["1"]
    assert "1 / 1 (100%) · 1 в ожидании" in page.text
    assert charts["chart-checkin"].find(f"{SVG}title").text == "Ход регистрации на входе"
    assert "<strong>3</strong>регистраций получено" in page.text
    assert "style=" not in page.text


def test_long_visit_titles_are_drawn_in_full(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, [{"sessions": "VISIT"}], visit_capacity=10)
    add_staff(database_url, "org@example.ru", role="organiser", event="syktyvkar-2021")
    sign_in(client, "org@example.ru")

    page = client.get(DASHBOARD)

    fills = _charts(page.text)["chart-fills"]
    labels = [" ".join(span.text or "" for span in text.iter(f"{SVG}tspan"))
              for text in fills.iter(f"{SVG}text") if text.get("class") == "chart-label"]
    mondi = [label[len("01.04 10:00 "):] for label in labels if "Монди" in label]  # after the visit's start
    assert mondi == ["Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми"]
    assert "…" not in ET.tostring(fills, encoding="unicode")


def test_door_staff_land_on_the_check_in_progress_only(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, [{}])
    add_staff(database_url, "door@example.ru", role="door", event="syktyvkar-2021")
    sign_in(client, "door@example.ru")

    page = client.get(DASHBOARD)

    assert page.status_code == 200
    assert sorted(_charts(page.text)) == ["chart-checkin"]
    # The workspace's check-in page is the organisers' (devices, lists): door staff are not sent there.
    assert "Перейти к регистрации на входе" not in page.text and "регистраций получено" not in page.text


def test_experts_land_on_a_link_to_their_jury_work(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "expert@example.ru", role="expert", event="syktyvkar-2021")
    sign_in(client, "expert@example.ru")

    page = client.get(DASHBOARD)

    assert _charts(page.text) == {}
    assert f'href="{DASHBOARD}/jury">Перейти к защитам проектов' in page.text


def test_dashboard_in_english_and_without_sign_in(client: TestClient, database_url: str) -> None:
    signed_out = client.get(DASHBOARD, follow_redirects=False)
    add_staff(database_url, "admin@example.ru", role="admin")
    sign_in(client, "admin@example.ru")
    client.cookies.set("lang", "en")

    page = client.get(DASHBOARD)

    assert signed_out.status_code == 303
    assert _charts(page.text)["chart-regions"].find(f"{SVG}desc").text == "No registrations yet"
    assert "Registrations over time" in page.text
