"""The JSON API fuzzed from its own OpenAPI document (schemathesis): no input makes it fail.

A real server process with the demo loaded (registration open) answers generated requests for
every operation the document describes, door-device calls with a real device token. Every
answer must be below 500, and every refusal a JSON error of the documented shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import device_by_cli, event_today
from tests.process_support import Server, prepare, service_env

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    env = service_env(folder)
    today = event_today()  # the server runs on the real clock: the event is moved to its today
    prepare(env, today.isoformat())
    token = device_by_cli(env, list_name=f"entry-{today.isoformat()}", name="Fuzz").token
    server = Server(env).start()
    try:
        yield server, token
    finally:
        server.stop()


def test_api_answers_any_input_without_a_server_error(api_server: tuple[Server, str]) -> None:
    server, token = api_server
    schema = schemathesis.openapi.from_url(f"{server.base}/api/v1/openapi.json")
    failures: list[tuple[str, str, int, str]] = []
    answered: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def probe(case: schemathesis.Case) -> None:
            headers = {"Authorization": f"Bearer {token}"} if "/checkin/" in case.path else None
            response = case.call(base_url=f"{server.base}/api/v1", headers=headers)
            answered.append(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.status_code, response.text[:300]))
            elif response.status_code >= 400 and response.status_code != 405:
                error = response.json()["error"]
                assert isinstance(error["code"], str) and error["message"], response.text

        probe()

    assert len(operations) >= 8 and len(answered) >= 100
    assert any(status < 300 for status in answered) and any(400 <= status < 500 for status in answered)
    assert failures == []
