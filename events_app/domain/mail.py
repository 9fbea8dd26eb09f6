"""E-mail messages: building them safely, without sending anything.

Messages use `POLICY`: CRLF line ends and 7-bit transfer encodings, so the text of a message
(headers RFC 2047-encoded, bodies in base64 or quoted-printable) is plain ASCII that any SMTP
server accepts, with or without 8BITMIME or SMTPUTF8, and that survives storage as text.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

POLICY = email.policy.SMTP.clone(cte_type="7bit")

_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_CONTENT_ID = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+$")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message; with `content_id` it is an inline image the HTML shows."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None


def compose(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    date: datetime | None = None,
) -> EmailMessage:
    """One message to one recipient: plain text, optionally HTML with inline images, and files.

    `sender` and `recipient` are `addr@example.org` or `Имя Фамилия <addr@example.org>`.
    HTML refers to an inline attachment as `<img src="cid:CONTENT_ID">`.
    Raises ValueError for anything that would let a value escape its header.
    """
    _single_line("subject", subject)
    if date is not None and date.tzinfo is None:
        raise ValueError("date must be an aware datetime")
    message = EmailMessage(policy=POLICY)
    sender_address = _mailbox("sender", sender)
    message["From"] = sender_address
    message["To"] = _mailbox("recipient", recipient)
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime.now(UTC))
    # Given explicitly: without a domain, make_msgid asks the resolver for this host's name.
    message["Message-ID"] = make_msgid(domain=sender_address.domain)

    inline = [item for item in attachments if item.content_id is not None]
    files = [item for item in attachments if item.content_id is None]
    if inline and html is None:
        raise ValueError("inline attachments need an HTML part that refers to them")

    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
        *_, html_part = message.iter_parts()  # the HTML alternative just added is the last part
        for item in inline:
            maintype, subtype = _content_type(item)
            html_part.add_related(
                item.data, maintype, subtype,
                cid=f"<{_content_id(item)}>", filename=_filename(item), disposition="inline",
            )
    for item in files:
        maintype, subtype = _content_type(item)
        message.add_attachment(item.data, maintype, subtype, filename=_filename(item))
    return message


def masked(address: str) -> str:
    """An address shown to whoever holds a page, not to its owner only: «a•••@example.ru»."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}" if local else address


def mailbox(name: str, address: str) -> str:
    """`Name <address>` quoted as needed: a comma or quote in a person's name stays in the name."""
    _single_line("name", name)
    _single_line("address", address)
    try:
        return str(Address(display_name=name, addr_spec=address))
    except Exception as error:  # the address parser fails with assorted exception types
        raise ValueError(f"not an e-mail address: {address!r}") from error


def _single_line(what: str, value: str) -> str:
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(f"{what} must be a single line")
    return value


def _mailbox(what: str, value: str) -> Address:
    """Exactly one mailbox, its domain in IDNA form (`пример.рф` works, as in Russia it must)."""
    _single_line(what, value)
    try:
        header = POLICY.header_factory("To", value)
        addresses = header.addresses
    except Exception as error:  # the header parser fails with assorted exception types
        raise ValueError(f"{what} is not an e-mail address: {value!r}") from error
    if len(addresses) != 1 or header.defects or not addresses[0].username or not addresses[0].domain:
        raise ValueError(f"{what} must be one e-mail address, got {value!r}")
    address = addresses[0]
    # Non-ASCII local parts need SMTPUTF8, which many servers still refuse.
    if not address.username.isascii():
        raise ValueError(f"{what} has non-ASCII characters before '@': {value!r}")
    try:
        domain = address.domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"{what} has an invalid domain: {value!r}") from error
    return Address(address.display_name, address.username, domain)


def _content_type(item: Attachment) -> tuple[str, str]:
    content_type = item.content_type.strip().lower()
    if not _CONTENT_TYPE.match(content_type):
        raise ValueError(f"attachment {item.filename!r}: bad content type {item.content_type!r}")
    maintype, subtype = content_type.split("/")
    if maintype == "multipart":
        raise ValueError(f"attachment {item.filename!r}: a multipart type cannot be attached as data")
    return maintype, subtype


def _content_id(item: Attachment) -> str:
    assert item.content_id is not None
    if not _CONTENT_ID.match(item.content_id):
        raise ValueError(f"attachment {item.filename!r}: content id must be letters, digits and punctuation "
                         f"without spaces or angle brackets, got {item.content_id!r}")
    return item.content_id


def _filename(item: Attachment) -> str:
    _single_line("attachment filename", item.filename)
    if not item.filename or "/" in item.filename or "\\" in item.filename:
        raise ValueError(f"attachment filename must be a plain file name, got {item.filename!r}")
    return item.filename
