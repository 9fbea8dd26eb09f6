from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.cli import main
from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import DEMO_FILES, SCHEDULES
from tests.factories import NOW


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EVENTS_DATA_DIR", str(tmp_path / "var"))
    for name in ("EVENTS_DATABASE_URL", "EVENTS_SECRET_KEY", "EVENTS_BASE_URL", "EVENTS_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "var" / "events.db"


def _count(database: Path, table: sa.Table) -> int:
    async def run() -> int:
        async with Store(f"sqlite:///{database}") as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(table)))
    return asyncio.run(run())


def test_commands_refuse_an_unmigrated_database_and_name_the_fix(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["import", str(DEMO_FILES[0])])

    assert status == 1
    assert capsys.readouterr().err.strip().endswith("run `events-app migrate`")


def test_serve_refuses_an_out_of_date_schema_before_listening(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["serve", "--port", "1"])

    assert status == 1
    assert "The database schema is out of date" in capsys.readouterr().err


def test_import_then_export_writes_the_same_format(env: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["import", *map(str, DEMO_FILES)]) == 0
    out = tmp_path / "out.toml"

    assert main(["export", "syktyvkar-2021", "-o", str(out)]) == 0
    assert main(["import", str(out)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert ("syktyvkar-2021: created; sessions added 17, changed 0, cancelled 0; buses added 6, changed 0, "
            "removed 0") in lines
    assert not any(line.startswith("  bus ") for line in lines)  # a new event's buses are only counted
    assert lines[-1] == ("syktyvkar-2021: updated; sessions added 0, changed 0, cancelled 0; buses added 0, "
                         "changed 0, removed 0")


def test_import_errors_name_file_and_path_and_store_nothing(env: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate"])
    bad = tmp_path / "bad.toml"
    bad.write_text((SCHEDULES / "kaluga-2021.toml").read_text(encoding="utf-8").replace(
        'venue = "hall"', 'venue = "nowhere"', 1), encoding="utf-8")
    capsys.readouterr()

    status = main(["import", str(SCHEDULES / "syktyvkar-2021.toml"), str(bad)])

    err = capsys.readouterr().err.splitlines()
    assert status == 1
    assert err[0].startswith(f"{bad}: sessions[") and err[0].endswith(".venue: unknown venue 'nowhere'")
    assert err[-1] == "events-app: nothing imported: 1 error(s)"
    assert _count(env, t.events) == 0


def _seat_two_on_mondi(env: Path) -> list[tuple[str, int]]:
    """Two colleagues take places on the Mondi visit and sit together on its first bus; gives its buses."""
    from events_app.services.visits import details, transport
    from tests.conftest import settings_for
    from tests.factories import register, staff

    url = f"sqlite:///{env}"

    async def seat_two() -> list[tuple[str, int]]:
        async with Store(url) as store:
            event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == "syktyvkar-2021"))
            mondi = await store.fetch_val(sa.select(t.sessions.c.id).where(t.sessions.c.key == "visit-mondi"))
            for n in range(2):
                await register(store, settings_for(url, env.parent), n, organisation_name="ООО «Лузалес»",
                               sessions=[str(mondi)])
            member = await staff(store, "org@example.ru", admin=True)
            await transport.assign(store, member=member, event_id=event_id, session_id=mondi, ip=None, now=NOW)
            return [(g.label, g.taken) for g in (await details.get_visit(store, event_id, mondi)).groups]

    return asyncio.run(seat_two())


def _imported_with_two_on_mondis_first_bus(env: Path) -> tuple[str, int, int]:
    """The Syktyvkar file imported, two delegates seated on the first bus of its Mondi visit; gives
    the file's text, where that bus stands in it and the visit's place among the file's sessions."""
    main(["migrate"])
    source = SCHEDULES / "syktyvkar-2021.toml"
    assert main(["import", str(source)]) == 0
    assert _seat_two_on_mondi(env) == [("Автобус 1 (К 123 ОР 11)", 2), ("Автобус 2 (К 456 ОР 11)", 0)]
    text = source.read_text(encoding="utf-8")
    first_bus = text.index('[[sessions.visit.transport]]\nkey = "bus-1"')  # Mondi's, the first visit in the file
    index = re.findall(r'^\[\[sessions\]\]\nkey = "([^"]+)"', text, re.M).index("visit-mondi")
    return text, first_bus, index


def test_import_leaving_out_a_bus_with_riders_is_refused_on_stderr(env: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    text, first_bus, index = _imported_with_two_on_mondis_first_bus(env)
    without = tmp_path / "without-bus-1.toml"
    without.write_text(text[:first_bus] + text[text.index("[[sessions.visit.transport]]", first_bus + 1):],
                       encoding="utf-8")
    capsys.readouterr()

    status = main(["import", str(without)])

    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"{without}: sessions[{index}].visit.transport: The bus «Автобус 1 (К 123 ОР 11)» of the site visit "
        "«Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми» is not in the "
        "file, but delegates are seated on it (2): move them to another bus in the workspace first, or keep the bus "
        "in the file",
        "events-app: nothing imported: 1 error(s)",
    ]
    assert _count(env, t.transport_groups) == 6 and _count(env, t.transport_seats) == 2


def test_import_giving_a_bus_fewer_seats_than_its_riders_is_refused_on_stderr(
        env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, first_bus, index = _imported_with_two_on_mondis_first_bus(env)
    seats = text.index("seats = 20\n", first_bus)
    shrunk = tmp_path / "one-seat.toml"
    shrunk.write_text(text[:seats] + "seats = 1\n" + text[seats + len("seats = 20\n"):], encoding="utf-8")
    capsys.readouterr()

    status = main(["import", str(shrunk)])

    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"{shrunk}: sessions[{index}].visit.transport[0].seats: The bus «Автобус 1 (К 123 ОР 11)» of the site visit "
        "«Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми» has fewer seats "
        "in the file (1) than delegates seated on it (2): move some to another bus in the workspace first, or give "
        "it at least as many seats in the file",
        "events-app: nothing imported: 1 error(s)",
    ]
    assert _count(env, t.transport_groups) == 6 and _count(env, t.transport_seats) == 2
    assert sorted(_seats_of_buses(env)) == [20, 20, 20, 20, 20, 20]


def _seats_of_buses(database: Path) -> list[int]:
    async def run() -> list[int]:
        async with Store(f"sqlite:///{database}") as store:
            return [row["seats"] for row in await store.fetch_all(sa.select(t.transport_groups.c.seats))]
    return asyncio.run(run())


def test_shift_to_moves_the_event(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate"])

    assert main(["import", str(SCHEDULES / "syktyvkar-2021.toml"), "--shift-to", "2027-04-01"]) == 0
    main(["export", "syktyvkar-2021"])

    out = capsys.readouterr().out
    assert "starts_on = 2027-04-01\nends_on = 2027-04-02" in out
    assert "starts_at = 2027-04-01T10:00:00" in out


def test_demo_loads_once_with_dates_from_next_week(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate"])

    assert main(["demo", "--today", "2026-11-27"]) == 0
    assert main(["demo", "--today", "2026-11-27"]) == 0

    out = capsys.readouterr().out
    assert out.count(": created;") == 5
    assert out.strip().endswith("The database already holds events; the demo is not loaded again.")

    async def starts() -> dict[str, date]:
        async with Store(f"sqlite:///{env}") as store:
            rows = await store.fetch_all(sa.select(t.events.c.slug, t.events.c.starts_on))
            return {row["slug"]: row["starts_on"] for row in rows}

    dates = asyncio.run(starts())
    assert min(dates.values()) > date(2026, 11, 27)
    assert dates["syktyvkar-2021"].weekday() == date(2021, 4, 1).weekday()


MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря")
DAY_IN_TEXT = re.compile(rf"\b(\d{{1,2}})(?:[–-]\d{{1,2}}| и \d{{1,2}})? ({'|'.join(MONTHS)})\b")


def test_demo_texts_name_no_date_of_the_seed(env: Path) -> None:
    """The demo runs on shifted dates: its descriptions must not say «1 и 2 апреля 2021 года»."""
    main(["migrate"])
    main(["demo", "--today", "2026-11-27"])
    seed_years = {str(year) for path in DEMO_FILES
                  for year in re.findall(r"^(?:starts_on|ends_on) = (\d{4})-", path.read_text(encoding="utf-8"), re.M)}

    async def texts() -> list[tuple[str, str]]:
        async with Store(f"sqlite:///{env}") as store:
            events = await store.fetch_all(sa.select(t.events.c.slug, t.events.c.description))
            sessions = await store.fetch_all(sa.select(t.events.c.slug, t.sessions.c.description)
                                             .join(t.events, t.events.c.id == t.sessions.c.event_id))
            return [(row[0], row[1] or "") for row in [*events, *sessions]]

    found = [(slug, mention) for slug, text in asyncio.run(texts())
             for mention in [m.group(0) for m in DAY_IN_TEXT.finditer(text)]
             + [year for year in re.findall(r"\b(20\d\d)\b", text) if year in seed_years]]

    assert found == []


def test_bad_setting_exits_with_one_line(env: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EVENTS_BASE_URL", "ftp://x")

    assert main(["migrate"]) == 2
    assert capsys.readouterr().err == "events-app: EVENTS_BASE_URL: must be an absolute http:// or https:// URL, got 'ftp://x'\n"


def test_moderated_registration_is_approved_from_the_command_line(env: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from events_app.clock import SystemClock
    from tests.conftest import settings_for
    from tests.factories import event_today, load_event, register

    main(["migrate"])
    url = f"sqlite:///{env}"

    async def register_vera() -> int:
        # `approve` runs on the real clock, so the event is put a year after the real today.
        starts = event_today() + timedelta(days=365)
        settings = settings_for(url, env.parent)
        async with Store(url) as store:
            await load_event(store, "kaluga-2021", shift_to=starts, moderation=True)
            result = await register(store, settings, slug="kaluga-2021", now=SystemClock().now(),
                                    days=[starts.isoformat()], surname="Орлова", given_name="Вера",
                                    email="vera@example.ru", organisation_name="АО «Калужский завод»",
                                    position="директор", region_code="40")
            return result.id

    registration_id = asyncio.run(register_vera())
    capsys.readouterr()

    assert main(["registrations", "kaluga-2021", "--status", "pending"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [[str(registration_id), "pending"]]
    assert listed[0].endswith("\tОрлова Вера\tАО «Калужский завод»\tvera@example.ru")

    assert main(["approve", str(registration_id)]) == 0
    assert capsys.readouterr().out == f"Registration {registration_id}: confirmed; the delegate has been notified.\n"
    letters = sorted((env.parent / "outbox").glob("*.eml"))
    assert len(letters) == 2  # «заявка получена», then «заявка одобрена»

    assert main(["reject", str(registration_id), "--reason", "поздно"]) == 1
    assert "Only a registration waiting for approval can be approved or rejected" in capsys.readouterr().err


def test_api_token_is_stable_for_a_secret(env: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EVENTS_SECRET_KEY", "a" * 40)
    main(["api-token"])
    main(["api-token"])

    first, second = capsys.readouterr().out.split()
    assert first == second and len(first) == 43


def test_serve_with_workers_is_refused_on_sqlite(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["serve", "--workers", "2"])

    assert status == 1
    assert "several workers need PostgreSQL" in capsys.readouterr().err


def test_create_user_makes_an_admin_then_gives_roles_and_refuses_bad_input(
        env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    assert main(["migrate"]) == 0
    assert main(["import", str(SCHEDULES / "kirov-2020.toml")]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["create-user", "Chief@Example.RU", "--role", "admin", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another-long-one\n"))
    assert main(["create-user", "door@example.ru", "--role", "door", "--event", "kirov-2020", "--password-stdin"]) == 0
    assert main(["create-user", "door@example.ru", "--role", "expert", "--event", "kirov-2020"]) == 0
    out = capsys.readouterr().out
    assert "Administrator chief@example.ru created." in out
    assert "door@example.ru created with the role door in kirov-2020." in out
    assert "door@example.ru given the role expert in kirov-2020." in out

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["create-user", "x@example.ru", "--role", "organiser", "--event", "kirov-2020",
                 "--password-stdin"]) == 1
    assert main(["create-user", "y@example.ru", "--role", "organiser"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["create-user", "z@example.ru", "--role", "organiser", "--event", "nope", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "the password is too short" in err
    assert "--event SLUG is needed for the role organiser" in err
    assert "No such event" in err
    assert _count(env, t.staff) == 2
    assert _count(env, t.staff_roles) == 2


def test_badges_writes_the_pdf_and_marks_them_printed(env: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from pypdf import PdfReader

    from events_app.settings import load_settings
    from tests.factories import register

    main(["migrate"])
    main(["import", str(SCHEDULES / "syktyvkar-2021.toml")])

    async def delegates() -> None:
        async with Store(f"sqlite:///{env}") as store:
            settings = load_settings({"EVENTS_DATABASE_URL": f"sqlite:///{env}", "EVENTS_DATA_DIR": str(env.parent)})
            await register(store, settings, 1, surname="Щукина", category="expert")
            await register(store, settings, 2, surname="Ёлкин")

    asyncio.run(delegates())
    first, second = tmp_path / "all.pdf", tmp_path / "new.pdf"
    capsys.readouterr()

    assert main(["badges", "syktyvkar-2021", "-o", str(first), "--layout", "a6"]) == 0
    assert main(["badges", "syktyvkar-2021", "-o", str(second), "--not-printed"]) == 0
    assert main(["badges", "nowhere-2021", "-o", str(tmp_path / "x.pdf")]) == 1

    out, err = capsys.readouterr()
    assert out.splitlines() == [f"syktyvkar-2021: 2 badge(s) written to {first}",
                                f"syktyvkar-2021: 0 badge(s) written to {second}"]
    assert err.strip() == "events-app: No such event"
    pages = [page.extract_text() for page in PdfReader(first).pages]
    assert len(pages) == 2 and "Ёлкин" in pages[0] and "Щукина" in pages[1]
    assert _count(env, t.badge_prints) == 2


def test_certificates_lists_who_qualifies_then_issues(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import date

    from events_app.domain.certificates import CheckinRule, CompletionRule
    from events_app.services.certificates import issuing
    from events_app.settings import load_settings
    from tests.factories import NOW
    from tests.services.document_support import load_event, register
    from tests.services.test_certificates import _attend

    main(["migrate"])

    async def prepare() -> None:
        async with Store(f"sqlite:///{env}") as store:
            settings = load_settings({"EVENTS_DATABASE_URL": f"sqlite:///{env}", "EVENTS_DATA_DIR": str(env.parent)})
            ids = await load_event(store, "proclusters-2022")
            for n, (surname, webinars) in enumerate([("Шестова", 6), ("Пятова", 5)]):
                result = await register(store, settings, n, slug="proclusters-2022", surname=surname,
                                        days=("2022-10-27",))
                await _attend(store, ids, result.id, webinars=webinars, days=(date(2022, 10, 27),))
            rule = CompletionRule(min_online=6, checkin=CheckinRule.DAY, checkin_day=date(2022, 10, 27))
            await issuing.save_rule(store, event_id=ids["event"], actor=None, now=NOW, rule=rule)

    assert main(["certificates", "proclusters-2022"]) == 1  # not imported yet
    asyncio.run(prepare())
    capsys.readouterr()

    assert main(["certificates", "proclusters-2022"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert main(["certificates", "proclusters-2022", "--issue"]) == 0
    issued = capsys.readouterr().out.splitlines()

    assert listed[-1] == "proclusters-2022: 1 of 2 qualify; --issue issues them"
    assert [line.split("\t")[1:] for line in listed[:-1]] == [
        ["Пятова Анна Сергеевна", "5/8", "2022-10-27", "-"],
        ["Шестова Анна Сергеевна", "6/8", "2022-10-27", "qualifies"]]
    assert issued[-1] == "proclusters-2022: 1 certificate(s) issued and e-mailed"
    assert issued[1].split("\t")[-1].startswith("20")
    assert _count(env, t.certificates) == 1
