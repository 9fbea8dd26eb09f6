from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr

import pytest

from events_app.domain.mail import POLICY, Attachment, compose, mailbox

SENDER = "Оргкомитет стратегической сессии <noreply@events.example.org>"
RECIPIENT = "Иванова Мария Петровна <maria@example.org>"
SUBJECT = "Регистрация подтверждена: «Практическая сессия в Калуге»"
TEXT = "Здравствуйте, Мария Петровна!\nВаш билет: https://events.example.org/t/abc\n"
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _reparsed(message: EmailMessage) -> EmailMessage:
    """What a receiving client sees: the message parsed back from its text on the wire."""
    parsed = email.message_from_string(message.as_string(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _mailbox(message: EmailMessage, header: str) -> tuple[str, str]:
    """Display name and address as a mail client shows them.

    RFC 2047 says the space between two encoded words is not part of the text; Python's
    address-header parser keeps it ("стратегическ ой"), so the raw value is decoded here.
    """
    raw = next(value for key, value in message.raw_items() if key.lower() == header.lower())
    name, address = parseaddr(raw)
    return str(make_header(decode_header(name))), address


def _text(part: EmailMessage) -> str:
    # MIME text travels with CRLF line ends; compare the lines.
    return str(part.get_content()).replace("\r\n", "\n")


def test_compose_keeps_russian_subject_names_and_body() -> None:
    sent_at = datetime(2026, 4, 1, 7, 30, tzinfo=UTC)

    message = _reparsed(compose(sender=SENDER, recipient=RECIPIENT, subject=SUBJECT, text=TEXT, date=sent_at))

    assert message["Subject"] == SUBJECT
    assert _mailbox(message, "From") == ("Оргкомитет стратегической сессии", "noreply@events.example.org")
    assert _mailbox(message, "To") == ("Иванова Мария Петровна", "maria@example.org")
    assert message["Date"].datetime == sent_at
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert _text(message) == TEXT


def test_composed_text_is_seven_bit_clean_for_any_smtp_server() -> None:
    message = compose(sender=SENDER, recipient=RECIPIENT, subject=SUBJECT, text=TEXT, html="<p>Привет</p>",
                      attachments=[Attachment("Программа.ics", "text/calendar", CALENDAR)])

    text = message.as_string(policy=POLICY)

    assert text.isascii()
    assert "\r\n" in text
    assert max(len(line) for line in text.split("\r\n")) <= 78


def test_every_message_gets_its_own_message_id_on_the_sender_domain() -> None:
    first = compose(sender=SENDER, recipient=RECIPIENT, subject=SUBJECT, text=TEXT)
    second = compose(sender=SENDER, recipient=RECIPIENT, subject=SUBJECT, text=TEXT)

    assert first["Message-ID"] != second["Message-ID"]
    assert str(first["Message-ID"]).endswith("@events.example.org>")


def test_html_with_inline_image_and_attachment() -> None:
    html = '<p>Здравствуйте!</p><img src="cid:logo@events" alt="Логотип">'

    message = _reparsed(compose(
        sender=SENDER, recipient=RECIPIENT, subject=SUBJECT, text=TEXT, html=html,
        attachments=[
            Attachment("Программа сессии.ics", "text/calendar", CALENDAR),
            Attachment("logo.png", "image/png", LOGO, content_id="logo@events"),
        ],
    ))

    assert message.get_content_type() == "multipart/mixed"
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert plain is not None and _text(plain) == TEXT
    assert rich is not None and _text(rich) == html + "\n"
    related = [part for part in message.walk() if part.get_content_type() == "multipart/related"]
    assert len(related) == 1
    image = next(part for part in related[0].iter_parts() if part.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo@events>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == LOGO
    files = list(message.iter_attachments())
    assert [(part.get_filename(), part.get_content_type()) for part in files] == [
        ("Программа сессии.ics", "text/calendar")]
    assert files[0].get_payload(decode=True) == CALENDAR


@pytest.mark.parametrize("name", ["Иванов, Иван", 'Ольга "Оля" Петрова', "Пётр <главный>"])
def test_mailbox_keeps_commas_quotes_and_brackets_inside_the_name(name: str) -> None:
    message = compose(sender=SENDER, recipient=mailbox(name, "delegate@example.org"), subject=SUBJECT, text=TEXT)

    assert message["To"].addresses[0].display_name == name
    assert message["To"].addresses[0].addr_spec == "delegate@example.org"


def test_mailbox_refuses_a_line_break_in_the_name() -> None:
    with pytest.raises(ValueError, match="^name must be a single line$"):
        mailbox("Иван\r\nBcc: everyone@example.org", "ivan@example.org")


def test_international_domain_is_written_in_idna() -> None:
    message = compose(sender=SENDER, recipient="Пётр <petr@пример.рф>", subject=SUBJECT, text=TEXT)

    assert message["To"].addresses[0].addr_spec == "petr@xn--e1afmkfd.xn--p1ai"
    assert message["To"].addresses[0].display_name == "Пётр"


@pytest.mark.parametrize(("field", "value"), [
    ("recipient", "maria@example.org\r\nBcc: everyone@example.org"),
    ("recipient", "Мария\n <maria@example.org>"),
    ("subject", "Регистрация\r\nBcc: everyone@example.org"),
    ("subject", "Регистрация\nподтверждена"),
    ("sender", "noreply@events.example.org\nBcc: everyone@example.org"),
])
def test_line_breaks_in_headers_are_refused(field: str, value: str) -> None:
    fields = {"sender": SENDER, "recipient": RECIPIENT, "subject": SUBJECT} | {field: value}

    with pytest.raises(ValueError, match=f"^{field} must be a single line$"):
        compose(**fields, text=TEXT)


@pytest.mark.parametrize("recipient", [
    "maria@example.org, ivan@example.org",
    "maria",
    "maria@",
    "мария@example.org",
    "",
])
def test_recipient_must_be_one_plain_address(recipient: str) -> None:
    with pytest.raises(ValueError, match="^recipient "):
        compose(sender=SENDER, recipient=recipient, subject=SUBJECT, text=TEXT)


@pytest.mark.parametrize(("attachment", "message"), [
    (Attachment("a.ics", "text/calendar", CALENDAR, content_id="bad id"), "content id must be"),
    (Attachment("a.ics", "text/calendar", CALENDAR, content_id="<id>"), "content id must be"),
    (Attachment("a\r\nX-Evil: 1.ics", "text/calendar", CALENDAR), "attachment filename must be a single line"),
    (Attachment("../etc/passwd", "text/plain", b"x"), "attachment filename must be a plain file name"),
    (Attachment("a.ics", "text/calendar\r\nX-Evil: 1", CALENDAR), "bad content type"),
    (Attachment("a.eml", "multipart/mixed", b"x"), "a multipart type cannot be attached"),
])
def test_bad_attachments_are_refused(attachment: Attachment, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compose(sender=SENDER, recipient=RECIPIENT, subject=SUBJECT, text=TEXT, html="<p></p>",
                attachments=[attachment])


def test_inline_image_needs_html() -> None:
    with pytest.raises(ValueError, match="^inline attachments need an HTML part"):
        compose(sender=SENDER, recipient=RECIPIENT, subject=SUBJECT, text=TEXT,
                attachments=[Attachment("logo.png", "image/png", LOGO, content_id="logo")])


def test_naive_date_is_refused() -> None:
    with pytest.raises(ValueError, match="^date must be an aware datetime$"):
        compose(sender=SENDER, recipient=RECIPIENT, subject=SUBJECT, text=TEXT, date=datetime(2026, 4, 1, 10))
