"""Defence pages through HTTP: the organiser's slots, applying, the team's cabinet and slides, the jury, the stage."""

from __future__ import annotations

import re

import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from events_app.domain.defences import SLIDES_MAX_BYTES
from events_app.domain.links import sign_defence_cabinet_link, sign_stage_link
from tests.conftest import DEMO_NOW
from tests.factories import add_staff, sign_in, signed_in

SLUG = "syktyvkar-2021"
BASE = f"/organiser/events/{SLUG}/defences"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _block_id(client: TestClient) -> int:
    page = client.get(BASE)
    found = re.search(rf'href="{BASE}/(\d+)"', page.text)
    assert found, page.text
    return int(found.group(1))


def _switch(client: TestClient, email: str) -> str:
    """Sign the same browser in as someone else."""
    client.cookies.clear()
    return sign_in(client, email)



def _add_slot(client: TestClient, csrf: str, block_id: int, title: str, talk: str = "15", questions: str = "5") -> None:
    response = client.post(f"{BASE}/{block_id}/slots", data={
        "csrf_token": csrf, "project_title": title, "organisations": f"ООО «{title}»", "regions": "",
        "presenters": "Иванов Иван", "talk_minutes": talk, "question_minutes": questions}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _jury(client: TestClient, database_url: str, csrf: str, block_id: int, *experts: str) -> None:
    """The block scored by the usual criteria, with a new expert account per address on its jury."""
    client.post(f"{BASE}/{block_id}/criteria/usual", data={"csrf_token": csrf})
    for email in experts:
        expert_id = add_staff(database_url, email, role="expert", event=SLUG)
        client.post(f"{BASE}/{block_id}/experts", data={"csrf_token": csrf, "staff_id": str(expert_id)})


def _one_project_before_its_expert(client: TestClient, database_url: str) -> tuple[int, str, str, list[str]]:
    """A block with one project, the usual criteria and one expert, the browser signed in as that
    expert: the block, the expert's CSRF token, the project's score sheet and its fields."""
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    block_id = _block_id(client)
    _add_slot(client, csrf, block_id, "Плиты МДФ")
    (slot_id,) = _slot_ids(client, block_id)
    _jury(client, database_url, csrf, block_id, "expert@example.ru")
    expert_csrf = _switch(client, "expert@example.ru")
    sheet_url = f"/organiser/events/{SLUG}/jury/slots/{slot_id}"
    return block_id, expert_csrf, sheet_url, re.findall(r'name="(criterion-\d+)"', client.get(sheet_url).text)


def _slot_ids(client: TestClient, block_id: int) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="slot-(\d+)"', client.get(f"{BASE}/{block_id}").text)]


def _times(html: str) -> list[str]:
    return re.findall(r'<time datetime="[^"]+">(\d\d:\d\d)</time>–<time datetime="[^"]+">(\d\d:\d\d)</time>', html)


def test_the_organiser_adds_and_reorders_slots_and_the_public_page_shows_their_times(
        client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    block_id = _block_id(client)
    _add_slot(client, csrf, block_id, "Плиты МДФ", "15", "5")
    _add_slot(client, csrf, block_id, "Аккумуляторы", "10", "10")
    first, second = _slot_ids(client, block_id)

    moved = client.post(f"{BASE}/slots/{second}/move", data={"csrf_token": csrf, "direction": "up"},
                        follow_redirects=False)

    assert moved.status_code == 303
    assert _slot_ids(client, block_id) == [second, first]
    public = client.get(f"/events/{SLUG}/sessions/{block_id}")
    assert public.text.index("Аккумуляторы") < public.text.index("Плиты МДФ")
    assert _times(public.text) == [("11:20", "11:40"), ("11:40", "12:00")]
    calendar = client.get(f"/events/{SLUG}/sessions/{block_id}.ics").text.replace("\r\n ", "")
    unescaped = calendar.replace("\\n", "\n").replace("\\,", ",")
    assert "11:20–11:40 Аккумуляторы — ООО «Аккумуляторы» (Иванов Иван)" in unescaped


def test_removing_a_slot_retimes_the_rest_on_the_public_page(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    block_id = _block_id(client)
    _add_slot(client, csrf, block_id, "Первый", "30", "10")
    _add_slot(client, csrf, block_id, "Второй", "15", "5")
    first, _second = _slot_ids(client, block_id)

    client.post(f"{BASE}/slots/{first}/remove", data={"csrf_token": csrf})

    assert _times(client.get(f"/events/{SLUG}/sessions/{block_id}").text) == [("11:20", "11:40")]


def test_a_slot_with_bad_fields_is_shown_again_with_the_reasons(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    block_id = _block_id(client)

    response = client.post(f"{BASE}/{block_id}/slots", data={
        "csrf_token": csrf, "project_title": "", "organisations": "ООО", "presenters": "Иванов",
        "talk_minutes": "abc", "question_minutes": "5"})

    assert response.status_code == 422
    assert 'id="e-project_title">Заполните это поле' in response.text
    assert 'id="e-talk_minutes">Укажите целое число минут' in response.text


def test_door_staff_and_experts_do_not_reach_the_organiser_defence_pages(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "door@example.ru", role="door", event=SLUG)
    sign_in(client, "door@example.ru")

    assert client.get(BASE).status_code == 403


def _apply(client: TestClient, **changes: str):
    return client.post(f"/events/{SLUG}/defences/apply", data={
        "project_title": "Освоение производства плит МДФ", "organisations": "ООО «Лузалес»",
        "regions": "Республика Коми",
        "presenters": "Петров Пётр", "email": "team@example.ru", "summary": "Совместный проект", "consent": "on",
        **changes})


def test_the_application_form_refuses_each_bad_field(client: TestClient) -> None:
    form = client.get(f"/events/{SLUG}/defences/apply")
    assert '<label for="f-project_title">' in form.text and '<label for="f-summary">' in form.text

    response = _apply(client, email="нет", presenters="", consent="")

    assert response.status_code == 422
    assert 'id="e-email">Введите адрес электронной почты, например name@example.ru<' in response.text
    assert 'id="e-presenters">Заполните это поле<' in response.text
    assert 'id="e-consent">Для заявки нужно согласие на обработку персональных данных<' in response.text
    assert 'id="e-project_title"><' in response.text


def test_applications_from_one_address_are_limited(client: TestClient) -> None:
    answers = [_apply(client, email=f"team{n}@example.ru").status_code for n in range(11)]

    assert answers == [200] * 10 + [429]


def test_an_event_without_defence_blocks_takes_no_applications(client: TestClient) -> None:
    form = client.get("/events/kaluga-2021/defences/apply")
    refused = client.post("/events/kaluga-2021/defences/apply", data={
        "project_title": "П", "organisations": "О", "presenters": "В", "email": "a@example.ru", "summary": "С",
        "consent": "on"})

    assert "В этом мероприятии нет защит проектов." in form.text and "<form" not in form.text.split("<main")[1]
    assert refused.status_code == 422


def _application_id(database_url: str) -> int:
    import asyncio

    from events_app.data.database import Store

    async def run() -> int:
        async with Store(database_url) as store:
            return int(await store.fetch_val(sa.select(sa.func.max(t.defence_applications.c.id))))

    return asyncio.run(run())


def _cabinet_url(application_id: int) -> str:
    token = sign_defence_cabinet_link(SECRET, application_id=application_id, link_version=0, now=DEMO_NOW)
    return f"/defences/cabinet/{token}"


def _accepted_team(client: TestClient, database_url: str) -> tuple[str, int, int]:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    block_id = _block_id(client)
    assert _apply(client).status_code == 200
    application_id = _application_id(database_url)
    decided = client.post(f"{BASE}/applications/{application_id}/decide", data={
        "csrf_token": csrf, "decision": "accept", "session_id": str(block_id), "talk_minutes": "20",
        "question_minutes": "10"}, follow_redirects=False)
    assert decided.status_code == 303
    return csrf, block_id, application_id


def test_an_accepted_team_sees_its_slot_time_in_its_cabinet(client: TestClient, database_url: str) -> None:
    _csrf, _block_id_, application_id = _accepted_team(client, database_url)

    cabinet = client.get(_cabinet_url(application_id))

    assert cabinet.status_code == 200
    assert re.search(r'id="slot-time"><time datetime="2021-04-02T11:20:00\+03:00">[^<]*11:20</time>–11:50',
                     cabinet.text)
    assert "Заявка принята." in cabinet.text
    assert "Предварительная защита совместных кластерных проектов<br>" in cabinet.text
    client.get("/lang/en")
    english = client.get(_cabinet_url(application_id)).text
    assert "Preliminary defence of joint cluster projects<br>" in english
    assert "Предварительная защита" not in english


def test_slides_upload_refuses_a_file_that_is_not_a_pdf(client: TestClient, database_url: str) -> None:
    _csrf, _block, application_id = _accepted_team(client, database_url)

    response = client.post(_cabinet_url(application_id) + "/slides",
                           files={"slides": ("slides.pdf", b"PK\x03\x04 not a pdf", "application/pdf")})

    assert response.status_code == 422
    assert 'id="e-slides">Это не файл PDF' in response.text


def test_slides_upload_refuses_a_file_over_the_limit(client: TestClient, database_url: str) -> None:
    _csrf, _block, application_id = _accepted_team(client, database_url)

    over_limit = client.post(_cabinet_url(application_id) + "/slides",
                             files={"slides": ("big.pdf", PDF + b"0" * SLIDES_MAX_BYTES, "application/pdf")})
    over_body = client.post(_cabinet_url(application_id) + "/slides",
                            files={"slides": ("huge.pdf", PDF + b"0" * (SLIDES_MAX_BYTES + 128 * 1024),
                                              "application/pdf")})
    elsewhere = client.post("/events/syktyvkar-2021/defences/apply", content=b"x" * (1024 * 1024 + 1),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert over_limit.status_code == 422
    assert 'id="e-slides">Не больше 20 МБ' in over_limit.text
    assert over_body.status_code == 413
    assert elsewhere.status_code == 413  # only the slides route takes more than 1 MB


def test_slides_reach_organisers_and_the_jury_and_the_public_only_once_published(
        client: TestClient, database_url: str) -> None:
    csrf, block_id, application_id = _accepted_team(client, database_url)
    cabinet = _cabinet_url(application_id)
    uploaded = client.post(cabinet + "/slides", files={"slides": ("x.bin", PDF, "application/octet-stream")},
                           follow_redirects=False)
    assert uploaded.status_code == 303
    public_url = f"/events/{SLUG}/defences/slides/{application_id}.pdf"
    staff_url = f"{BASE}/applications/{application_id}/slides.pdf"

    assert client.get(cabinet + "/slides.pdf").content == PDF
    assert (client.get(staff_url).status_code, client.get(staff_url).content) == (200, PDF)
    assert client.get(public_url).status_code == 404
    client.post(f"{BASE}/applications/{application_id}/slides-publish", data={"csrf_token": csrf, "published": "1"})
    published = client.get(public_url)
    assert (published.status_code, published.headers["content-type"], published.content) == (200, "application/pdf",
                                                                                              PDF)

    add_staff(database_url, "outsider@example.ru", role="expert", event=SLUG)
    _switch(client, "outsider@example.ru")
    assert client.get(staff_url).status_code == 403


def test_an_expert_scores_on_the_jury_page_and_a_closed_block_refuses_a_correction(
        client: TestClient, database_url: str) -> None:
    block_id, expert_csrf, sheet_url, criteria = _one_project_before_its_expert(client, database_url)
    assert len(criteria) == 4
    assert "Оценки других экспертов видны после того, как вы отправите свои." in client.get(sheet_url).text

    bad = client.post(sheet_url, data={"csrf_token": expert_csrf, **dict.fromkeys(criteria, "11")})
    assert bad.status_code == 422 and bad.text.count("Вне диапазона") == 4
    good = client.post(sheet_url, data={"csrf_token": expert_csrf, "remarks": "Хорошо",
                                        **dict.fromkeys(criteria, "7")}, follow_redirects=False)
    assert good.status_code == 303
    assert 'value="7"' in client.get(sheet_url).text

    csrf = _switch(client, "org@example.ru")
    client.post(f"{BASE}/{block_id}/scoring", data={"csrf_token": csrf, "closed": "1"})
    expert_csrf = _switch(client, "expert@example.ru")
    closed = client.post(sheet_url, data={"csrf_token": expert_csrf, **dict.fromkeys(criteria, "9")})
    assert closed.status_code == 409
    assert "Оценивание этого блока закрыто: оценки больше нельзя изменить" in closed.text
    assert "Их можно исправлять" not in closed.text  # no promise the closed block cannot keep


def test_after_saving_the_expert_is_offered_the_next_unscored_project_and_sees_the_jury_summary(
        client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    block_id = _block_id(client)
    for title in ("Плиты МДФ", "Аккумуляторы", "Световые приборы"):
        _add_slot(client, csrf, block_id, title)
    first, second, third = _slot_ids(client, block_id)
    _jury(client, database_url, csrf, block_id, "expert@example.ru", "colleague@example.ru")
    expert_csrf = _switch(client, "expert@example.ru")
    jury_url = f"/organiser/events/{SLUG}/jury"
    criteria = re.findall(r'name="(criterion-\d+)"', client.get(f"{jury_url}/slots/{first}").text)

    client.post(f"{jury_url}/slots/{second}", data={"csrf_token": expert_csrf, **dict.fromkeys(criteria, "6")})
    saved = client.post(f"{jury_url}/slots/{first}", data={"csrf_token": expert_csrf,
                                                           **dict(zip(criteria, ("8", "7", "7", "6"), strict=True))})
    overview = client.get(jury_url).text
    client.post(f"{jury_url}/slots/{third}", data={"csrf_token": expert_csrf, **dict.fromkeys(criteria, "5")})
    last = client.get(f"{jury_url}/slots/{third}?saved=1").text

    def next_line(html: str) -> str:
        found = re.search(r'<p class="jury-next"[^>]*>(.*?)</p>', html, flags=re.S)
        assert found is not None
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()

    assert next_line(saved.text) == "Следующий проект: Световые приборы"  # «Аккумуляторы» is scored already
    assert "<legend>Ваши оценки</legend>" in saved.text
    assert '<p class="hint">Их можно исправлять, пока оценивание не закрыто.</p>' in saved.text
    assert f'href="{jury_url}/slots/{third}">Световые приборы</a>' in saved.text
    assert next_line(overview) == "Следующий проект: Световые приборы"
    assert next_line(last) == "Вы оценили все проекты этого блока. К странице жюри"
    summary = re.search(r'<section aria-labelledby="summary-title" id="jury-summary">(.*?)</section>', saved.text,
                        flags=re.S)
    assert summary is not None
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", summary.group(1))]
    assert "Оценили экспертов: 1 из 2" in summary.group(1)
    assert cells == ["Актуальность", "8,00", "Кооперация участников", "7,00", "Готовность", "7,00",
                     "Экономический эффект", "6,00", "Средний балл", "7,00", "Мин.–макс.", "7,00–7,00"]


def test_the_stage_screen_opens_by_its_signed_link_and_follows_the_chair(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "org@example.ru", role="organiser")
    block_id = _block_id(client)
    _add_slot(client, csrf, block_id, "Первый")
    _add_slot(client, csrf, block_id, "Второй")
    token = sign_stage_link(SECRET, session_id=block_id, now=DEMO_NOW)
    client.cookies.clear()

    screen = client.get(f"/stage/{token}")
    before = client.get(f"/stage/{token}/state.json").json()

    assert screen.status_code == 200 and '/static/stage.js" defer' in screen.text
    assert (before["phase"], before["current"], before["next"]["title"]) == ("idle", None, "Первый")
    csrf = sign_in(client, "org@example.ru")
    client.post(f"{BASE}/{block_id}/stage/start", data={"csrf_token": csrf})
    client.post(f"{BASE}/{block_id}/stage/next_project", data={"csrf_token": csrf})
    after = client.get(f"/stage/{token}/state.json").json()
    assert (after["phase"], after["current"]["title"], after["next"], after["phase_seconds"]) == (
        "talk", "Второй", None, 900)
    assert client.get(f"/stage/{token[:-2]}xx/state.json").status_code == 403


def test_results_write_averages_with_a_decimal_comma_in_russian_and_a_point_in_english(
        client: TestClient, database_url: str) -> None:
    block_id, expert_csrf, sheet_url, criteria = _one_project_before_its_expert(client, database_url)
    client.post(sheet_url, data={"csrf_token": expert_csrf, **dict(zip(criteria, ["9", "9", "8", "8"], strict=True))})
    _switch(client, "org@example.ru")

    def mean_cells() -> list[str]:
        row = client.get(f"{BASE}/{block_id}/results").text.split("<tbody>", 1)[1].split("</tr>", 1)[0]
        return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S)][3:]

    russian = mean_cells()
    client.get("/lang/en")
    english = mean_cells()

    assert russian == ["9,00", "9,00", "8,00", "8,00", "8,50", "0,00", "8,50–8,50"]
    assert english == ["9.00", "9.00", "8.00", "8.00", "8.50", "0.00", "8.50–8.50"]
