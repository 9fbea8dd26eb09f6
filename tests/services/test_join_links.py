"""Personal join links on both backends: who gets them, what following one records, what never leaks."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.errors import NotFound
from events_app.services.attendance import join_links
from events_app.services.programme import feeds
from events_app.services.registration import signup
from events_app.services.registration.views import online_links, registration_view
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import letter_texts
from tests.services.document_support import load_event, register

PROCLUSTERS = "proclusters-2022"
WEBINAR_DAYS = ("2022-09-01", "2022-09-08")
JOINED = datetime(2022, 9, 1, 8, 2, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _delegate(store: Store, settings: Settings, n: int = 1, **changes: object) -> int:
    result = await register(store, settings, n, slug=PROCLUSTERS, days=WEBINAR_DAYS, **changes)
    return result.id


async def test_a_delegate_gets_a_link_for_each_online_session_of_their_days(store: Store, settings: Settings) -> None:
    ids = await load_event(store, PROCLUSTERS)
    registration_id = await _delegate(store, settings)

    links = await online_links(store, settings.base_url, await registration_view(store, registration_id))
    again = await online_links(store, settings.base_url, await registration_view(store, registration_id))

    assert [link.session_id for link in links] == [ids["webinar-1"], ids["webinar-2"]]
    assert all(link.url.startswith("https://events.example.org/j/") for link in links)
    assert [link.url for link in again] == [link.url for link in links]
    assert len({link.url for link in links}) == 2
    assert (links[0].starts_at.hour, links[0].starts_at.minute) == (11, 0)  # Moscow time


async def test_following_a_link_counts_joins_and_gives_the_webinar(store: Store, settings: Settings) -> None:
    ids = await load_event(store, PROCLUSTERS)
    registration_id = await _delegate(store, settings)
    on_other_days = await join_links.links_for(
        store, settings.base_url, registration_id=registration_id, event_id=ids["event"], timezone="Europe/Moscow",
        status="confirmed", days=[], confirmed_sessions=[])
    links = await online_links(store, settings.base_url, await registration_view(store, registration_id))
    token = links[0].url.rsplit("/", 1)[1]

    address = await join_links.follow(store, token, now=JOINED)
    await join_links.follow(store, token, now=JOINED + timedelta(minutes=40))

    assert on_other_days == []
    assert address == "https://webinar.example.org/proclusters/1"
    row = await store.fetch_one(sa.select(t.join_links).where(t.join_links.c.token == token))
    assert row is not None
    assert (row["joins"], row["first_joined_at"], row["last_joined_at"]) == (2, JOINED, JOINED + timedelta(minutes=40))


async def test_unknown_revoked_and_cancelled_links_do_not_give_the_address(store: Store, settings: Settings) -> None:
    ids = await load_event(store, PROCLUSTERS)
    kept = await _delegate(store, settings, 1)
    leaving = await _delegate(store, settings, 2)
    kept_links = await online_links(store, settings.base_url, await registration_view(store, kept))
    leaving_links = await online_links(store, settings.base_url, await registration_view(store, leaving))
    await signup.cancel(store, settings, leaving, now=JOINED)
    await store.execute(t.sessions.update().where(t.sessions.c.id == ids["webinar-2"]).values(cancelled_at=JOINED))

    for token in ("nonsense", "", leaving_links[0].url.rsplit("/", 1)[1], kept_links[1].url.rsplit("/", 1)[1]):
        with pytest.raises(NotFound) as refused:
            await join_links.follow(store, token, now=JOINED)
        assert "webinar.example.org" not in refused.value.message
    assert await join_links.follow(store, kept_links[0].url.rsplit("/", 1)[1], now=JOINED)


async def test_withdrawn_consent_revokes_the_links(store: Store, settings: Settings) -> None:
    await load_event(store, PROCLUSTERS)
    registration_id = await _delegate(store, settings)
    links = await online_links(store, settings.base_url, await registration_view(store, registration_id))

    await signup.withdraw_consent(store, settings, registration_id, now=JOINED)

    with pytest.raises(NotFound):
        await join_links.follow(store, links[0].url.rsplit("/", 1)[1], now=JOINED)
    revoked = await store.fetch_all(sa.select(t.join_links.c.revoked_at))
    assert [row["revoked_at"] for row in revoked] == [JOINED, JOINED]


async def test_a_delegate_awaiting_approval_gets_no_link(store: Store, settings: Settings) -> None:
    ids = await load_event(store, PROCLUSTERS)
    await store.execute(t.events.update().where(t.events.c.id == ids["event"]).values(moderation=True))
    registration_id = await _delegate(store, settings)

    assert await online_links(store, settings.base_url, await registration_view(store, registration_id)) == []


async def test_letter_and_personal_calendar_carry_personal_links_never_the_webinar(store: Store,
                                                                                  settings: Settings) -> None:
    await load_event(store, PROCLUSTERS)
    registration_id = await _delegate(store, settings)
    view = await registration_view(store, registration_id)
    links = await online_links(store, settings.base_url, view)

    [text] = await letter_texts(store, settings, t.outbox.c.registration_id == registration_id)
    letter = email.message_from_string(text, policy=email.policy.default)
    text = letter.get_body(("plain",)).get_content()
    html = letter.get_body(("html",)).get_content()
    publication = feeds.publication_for(settings)
    calendar = (await feeds.personal_calendar(store, view.calendar_token or "", publication)).decode()
    public = (await feeds.event_calendar(store, PROCLUSTERS, publication)).decode()

    for link in links:
        assert link.url in text and f'href="{link.url}"' in html
        assert link.url in calendar.replace("\r\n ", "")
    for document in (text, html, calendar, public, letter.as_string()):
        assert "webinar.example.org" not in document
    assert "Ссылка для подключения — личная" in public.replace("\r\n ", "")
