"""Request IDs and the JSON access log; a 503 when the database is gone."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from events_app.web.request_log import JSONFormatter


def test_every_response_carries_a_request_id_and_is_logged_as_json(client: TestClient,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="events_app.access")

    given = client.get("/events/kirov-2020", headers={"X-Request-ID": "proxy-4711"})
    made = client.get("/no/such/page")

    assert given.headers["x-request-id"] == "proxy-4711"
    assert len(made.headers["x-request-id"]) == 16 and made.headers["x-request-id"] != "proxy-4711"
    lines = [json.loads(JSONFormatter().format(record))
             for record in caplog.records if record.name == "events_app.access"]
    assert [(line["request_id"], line["method"], line["path"], line["status"]) for line in lines] == [
        ("proxy-4711", "GET", "/events/kirov-2020", 200), (made.headers["x-request-id"], "GET", "/no/such/page", 404)]
    assert all(line["duration_ms"] >= 0 and line["level"] == "info" for line in lines)


def test_a_request_id_that_is_not_an_id_is_replaced(client: TestClient) -> None:
    response = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"})

    assert response.headers["x-request-id"] != "<script>alert(1)</script>"
    assert len(response.headers["x-request-id"]) == 16


def test_log_lines_written_during_a_request_carry_its_id(client: TestClient) -> None:
    from events_app.web.request_log import REQUEST_ID

    record = logging.LogRecord("events_app.test", logging.WARNING, __file__, 1, "outbox: %s", ("slow",), None)
    token = REQUEST_ID.set("abc123")
    try:
        line = json.loads(JSONFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)

    assert line["request_id"] == "abc123" and line["message"] == "outbox: slow" and line["level"] == "warning"
