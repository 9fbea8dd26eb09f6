from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from starlette.routing import Mount
from starlette.testclient import TestClient

from events_app.domain.checkin import Reason


def _validate(client: TestClient, body: Any, schema_name: str) -> None:
    document = client.get("/api/v1/openapi.json").json()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)


def test_events_list_matches_schema_and_lists_demo_events(client: TestClient) -> None:
    response = client.get("/api/v1/events")

    body = response.json()
    _validate(client, body, "EventList")
    assert [event["slug"] for event in body["events"]] == [
        "kirov-2020", "syktyvkar-2021", "kaluga-2021", "saransk-2021", "proclusters-2022"]
    assert body["events"][1]["url"] == "https://events.example.org/events/syktyvkar-2021"


def test_event_has_days_organisers_and_partners(client: TestClient) -> None:
    body = client.get("/api/v1/events/syktyvkar-2021").json()

    _validate(client, body, "Event")
    assert body["days"] == ["2021-04-01", "2021-04-02"]
    assert body["timezone"] == "Europe/Moscow"
    assert body["region"] == {"code": "11", "name": "Республика Коми"}
    assert "Министерство промышленности и торговли Российской Федерации" in [o["name"] for o in body["organisers"]]


def test_sessions_carry_local_time_with_the_event_offset(client: TestClient) -> None:
    body = client.get("/api/v1/events/syktyvkar-2021/sessions", params={"kind": "site_visit"}).json()

    _validate(client, body, "SessionList")
    assert [(s["key"], s["starts_at"]) for s in body["sessions"]] == [
        ("visit-mondi", "2021-04-01T10:00:00+03:00"),
        ("visit-luzales", "2021-04-01T13:30:00+03:00"),
        ("visit-algraf", "2021-04-01T15:30:00+03:00"),
    ]
    assert body["sessions"][0]["venue"]["kind"] == "enterprise"


def test_day_filter_returns_only_that_day(client: TestClient) -> None:
    body = client.get("/api/v1/events/syktyvkar-2021/sessions", params={"day": "2021-04-02"}).json()

    assert body["sessions"]
    assert {s["starts_at"][:10] for s in body["sessions"]} == {"2021-04-02"}


def test_kirov_times_are_in_the_kirov_zone(client: TestClient) -> None:
    body = client.get("/api/v1/events/kirov-2020/sessions").json()

    assert body["timezone"] == "Europe/Kirov"
    assert body["sessions"][0]["starts_at"] == "2020-08-20T14:00:00+03:00"


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/v1/events/nowhere", 404, "not_found"),
    ("/api/v1/events/nowhere/sessions", 404, "not_found"),
    ("/api/v1/events/syktyvkar-2021/sessions?day=2021-13-01", 422, "invalid_input"),
    ("/api/v1/events/syktyvkar-2021/sessions?day=2021-04-05", 422, "invalid_input"),
    ("/api/v1/events/syktyvkar-2021/sessions?kind=excursion", 422, "invalid_input"),
    ("/api/v1/no-such-endpoint", 404, "not_found"),
])
def test_errors_are_json_with_a_code_and_a_message(client: TestClient, path: str, status: int, code: str) -> None:
    response = client.get(path)

    assert response.status_code == status
    _validate(client, response.json(), "Error")
    assert response.json()["error"]["code"] == code


def test_bad_kind_error_names_the_field_and_the_allowed_values(client: TestClient) -> None:
    error = client.get("/api/v1/events/syktyvkar-2021/sessions?kind=excursion").json()["error"]

    assert error["message"] == "Неизвестный вид мероприятия программы"
    assert error["fields"]["kind"].startswith("expected one of: plenary, seminar, workshop, site_visit")


# Read only by our own scanner page (a list's signed offline copy, the name search), not surfaces
# that integrations build on.
INTERNAL_ROUTES = {"/checkin/lists/{name}/offline", "/checkin/search"}


def test_openapi_document_names_every_route(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()

    # Every route mounted under /api/v1, read from the application itself, so a new one cannot be
    # left out of the document unnoticed.
    api = next(route for route in client.app.routes if isinstance(route, Mount) and route.path == "/api/v1")
    mounted = sorted({re.sub(r":\w+}", "}", route.path) for route in api.routes}
                     - {"/openapi.json", *INTERNAL_ROUTES})

    assert document["openapi"] == "3.1.0"
    assert sorted(document["paths"]) == mounted
    assert {"/checkin/redeem", "/events/{slug}/registrations", "/consultations/slots",
            "/consultations/slots/{slot_id}/bookings"} <= set(mounted)
    jsonschema.Draft202012Validator.check_schema({"components": document["components"]})


def test_scan_answer_lists_every_refusal_reason_of_the_door(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()

    listed = document["components"]["schemas"]["ScanAnswer"]["properties"]["reason"]["enum"]

    assert listed == [None, *(reason.value for reason in Reason)]
    assert listed == [None, "unknown_ticket", "already_checked_in", "not_signed_up", "not_approved", "cancelled",
                      "wrong_day", "list_closed", "wrong_bus"]
