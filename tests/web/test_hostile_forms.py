"""Every public form tried with oversized, malformed and script-bearing input.

The forms are found on their own pages (the field names are read from the HTML), then sent with
every text field made huge, made of markup, or malformed. Nothing may answer with a server error,
no markup may come back unescaped, and an oversized submission stores nothing.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import settings_for
from tests.factories import NOW, letter_texts, load_event_into
from tests.web.test_registration_pages import _form

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HUGE = "Я" * 20_000
REFUSALS = {400, 403, 404, 409, 413, 422, 429}


@pytest.fixture
def public(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    load_event_into(database_url)
    with TestClient(create_app(settings_for(database_url, tmp_path / "data"), clock=FixedClock(NOW)),
                    base_url="https://events.example.org") as client:
        yield client


def _count(database_url: str, table: sa.Table) -> int:
    async def run() -> int:
        async with Store(database_url) as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(table)))
    return asyncio.run(run())


def _cabinet_token(database_url: str, data_dir: Path) -> str:
    async def run() -> str:
        async with Store(database_url) as store:
            letters = await letter_texts(store, settings_for(database_url, data_dir))
        for letter in letters:
            message = email.message_from_string(letter, policy=email.policy.default)
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    found = re.search(r"/cabinet/([A-Za-z0-9_.=-]+)", part.get_content())
                    if found:
                        return found.group(1)
        raise AssertionError("no cabinet link in the letters")
    return asyncio.run(run())


def _text_fields(html: str, action: str) -> tuple[dict[str, str], list[str]]:
    """The hidden fields (kept as they are) and the names of the text inputs of the form posting to `action`."""
    form = re.search(r'<form[^>]*action="(?:https?://[^/"]+)?' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action}"
    body = form.group(1)
    hidden: dict[str, str] = {}
    texts: list[str] = []
    for tag in re.findall(r"<input\b[^>]*>", body):
        attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
        kind, name = attributes.get("type", "text"), attributes.get("name")
        if name is None:
            continue
        if kind == "hidden":
            hidden[name] = attributes.get("value", "")
        elif kind in ("text", "email", "tel", "date", "url", "number", "search"):
            texts.append(name)
    texts += re.findall(r'<textarea[^>]*name="([^"]+)"', body)
    return hidden, sorted(set(texts) - set(hidden))


def _attack(client: TestClient, action: str, base: dict[str, object], fields: list[str]) -> list[tuple[str, int, bool]]:
    """(variant, status, markup came back raw) for each kind of hostile input."""
    results = []
    variants = {
        "huge": dict.fromkeys(fields, HUGE),
        "markup": dict.fromkeys(fields, SCRIPT),
        "malformed": {name: ["2021-13-45", "\x00\ufffe"] for name in fields},
    }
    for label, changes in variants.items():
        response = client.post(action, data={**base, **changes}, follow_redirects=True)
        results.append((label, response.status_code, '<script>alert("x")' in response.text))
    raw = client.post(action, content=b"surname=%FF%FE%00&email=%E0%A4&" + b"x" * 50,
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=True)
    results.append(("bytes", raw.status_code, False))
    return results


def _assert_safe(results: list[tuple[str, int, bool]]) -> None:
    assert [(label, status) for label, status, _ in results if status >= 500] == []
    assert [label for label, _, raw in results if raw] == []


def test_registration_form_survives_hostile_input_and_stores_nothing_oversized(
        public: TestClient, database_url: str) -> None:
    page = public.get("/events/syktyvkar-2021/register").text
    action = "/events/syktyvkar-2021/register"
    _, fields = _text_fields(page, action)
    assert {"surname", "given_name", "email", "phone", "organisation_name"} <= set(fields)

    results = _attack(public, action, _form(public), fields)

    _assert_safe(results)
    assert {label: status for label, status, _ in results}["huge"] in REFUSALS
    assert _count(database_url, t.registrations) == 0


def test_cabinet_link_request_and_login_survive_hostile_input(public: TestClient) -> None:
    link_page = public.get("/cabinet").text
    hidden, fields = _text_fields(link_page, "/cabinet")
    _assert_safe(_attack(public, "/cabinet", hidden, fields))

    login_page = public.get("/organiser/login").text
    hidden, fields = _text_fields(login_page, "/organiser/login")
    results = _attack(public, "/organiser/login", hidden, fields + ["password"])
    _assert_safe(results)
    assert all(status in REFUSALS for _, status, _ in results)
    assert "staff_session" not in public.cookies


def test_defence_application_survives_hostile_input(public: TestClient, database_url: str) -> None:
    action = "/events/syktyvkar-2021/defences/apply"
    page = public.get(action).text
    hidden, fields = _text_fields(page, action)
    assert len(fields) >= 4

    results = _attack(public, action, {**hidden, "consent": "on"}, fields)

    _assert_safe(results)
    assert {label: status for label, status, _ in results}["huge"] in REFUSALS
    assert _count(database_url, t.defence_applications) <= 1  # only the markup one, shown escaped, may be kept


def test_cabinet_forms_survive_hostile_input(public: TestClient, database_url: str, tmp_path: Path) -> None:
    response = public.post("/events/syktyvkar-2021/register", data=_form(public), follow_redirects=False)
    assert response.status_code == 303
    token = _cabinet_token(database_url, tmp_path / "data")
    cabinet = public.get(f"/cabinet/{token}").text
    actions = sorted(set(re.findall(r'<form[^>]*method="post"[^>]*action="(?:https?://[^/"]+)?(/cabinet/[^"]+)"',
                                    cabinet)))
    assert f"/cabinet/{token}/choices" in actions

    for action in [a for a in actions if not a.endswith(("/cancel", "/withdraw"))]:
        hidden, fields = _text_fields(cabinet, action)
        _assert_safe(_attack(public, action, hidden, fields))
    assert _count(database_url, t.registrations) == 1
