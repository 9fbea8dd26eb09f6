"""Certificates: an event's completion rule, who meets it, issuing (numbered, e-mailed with the
PDF through the outbox), revoking, the public verification, the register, and erasure.

The PDF is drawn again from the certificate's row each time it is asked for, so an erased name
(consent withdrawn) is gone from every copy the service can give; the letter that carried the
PDF is deleted with the delegate's other letters.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain import certificates as rules
from events_app.domain.certificate_register import RegisterRow, register_xlsx
from events_app.domain.certificates import CertificateText, CheckinRule, CompletionRule
from events_app.domain.checkin import ScanType
from events_app.domain.errors import N_, DomainError, NotFound
from events_app.domain.mail import Attachment, compose, mailbox
from events_app.domain.registration import RegistrationStatus, full_name
from events_app.domain.staff import StaffMember
from events_app.services.attendance.join_links import online_sessions
from events_app.services.mail import outbox
from events_app.services.staff import audit
from events_app.settings import Settings

ENTRY_PREFIX = "entry-"


@dataclass(frozen=True)
class Candidate:
    """A confirmed delegate measured against the rule."""

    registration_id: int
    name: str
    organisation: str
    online_joined: int
    checked_in_days: tuple[date, ...]
    qualifies: bool
    certificate: str | None  # the number, when one is issued and not revoked


@dataclass(frozen=True)
class Preview:
    rule: CompletionRule | None
    online_sessions: int
    candidates: list[Candidate]

    @property
    def qualifying(self) -> int:
        return sum(candidate.qualifies for candidate in self.candidates)


@dataclass(frozen=True)
class IssuedCertificate:
    id: int
    number: str
    registration_id: int | None
    holder: str | None
    issued_at: datetime
    revoked_at: datetime | None
    event_title: str
    event_slug: str
    event_timezone: str

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


async def get_rule(store: Store, event_id: int) -> CompletionRule | None:
    row = await store.fetch_one(sa.select(t.certificate_rules).where(t.certificate_rules.c.event_id == event_id))
    if row is None:
        return None
    return CompletionRule(min_online=row["min_online"], checkin=CheckinRule(row["checkin"]),
                          checkin_day=row["checkin_day"], hours=row["hours"], signatory=row["signatory"] or "")


async def save_rule(store: Store, *, event_id: int, rule: CompletionRule, actor: StaffMember | None, now: datetime,
                    ip: str | None = None) -> None:
    event = await _event(store, event_id)
    days = [date.fromordinal(n) for n in range(event["starts_on"].toordinal(), event["ends_on"].toordinal() + 1)]
    rules.check_rule(rule, online_sessions=len(await online_sessions(store, event_id)), event_days=days)
    values = {"min_online": rule.min_online, "checkin": rule.checkin.value,
              "checkin_day": rule.checkin_day if rule.checkin is CheckinRule.DAY else None, "hours": rule.hours,
              "signatory": rule.signatory.strip() or None, "updated_at": now}
    async with store.transaction():
        await store.execute(t.certificate_rules.delete().where(t.certificate_rules.c.event_id == event_id))
        await store.execute(t.certificate_rules.insert().values(event_id=event_id, **values))
        await audit.record(store, actor=actor, action="certificates.rule", subject="", now=now,
                           event_id=event_id, ip=ip, details={**values, "updated_at": None})


async def _event(store: Store, event_id: int) -> Row:
    row = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    if row is None:
        raise NotFound(N_("No such event"))
    return row


async def preview(store: Store, event_id: int) -> Preview:
    """Every confirmed delegate with what they attended and whether they meet the rule."""
    rule = await get_rule(store, event_id)
    online = {row["id"] for row in await online_sessions(store, event_id)}
    r = t.registrations
    delegates = await store.fetch_all(
        sa.select(r.c.id, r.c.surname, r.c.given_name, r.c.patronymic, r.c.organisation_name)
        .where(r.c.event_id == event_id, r.c.status == RegistrationStatus.CONFIRMED.value, r.c.erased_at.is_(None))
        .order_by(r.c.surname, r.c.given_name, r.c.id))
    joined: dict[int, int] = defaultdict(int)
    for row in await store.fetch_all(
            sa.select(t.join_links.c.registration_id, t.join_links.c.session_id)
            .join(r, r.c.id == t.join_links.c.registration_id)
            .where(r.c.event_id == event_id, t.join_links.c.joins > 0)):
        if row["session_id"] in online:
            joined[row["registration_id"]] += 1
    days: dict[int, set[date]] = defaultdict(set)
    for row in await store.fetch_all(
            sa.select(t.checkins.c.registration_id, t.checkins.c.list_name)
            .where(t.checkins.c.event_id == event_id, t.checkins.c.type == ScanType.ENTRY.value,
                   t.checkins.c.list_name.like(f"{ENTRY_PREFIX}%"))):
        days[row["registration_id"]].add(date.fromisoformat(row["list_name"].removeprefix(ENTRY_PREFIX)))
    issued = {row["registration_id"]: row["number"] for row in await store.fetch_all(
        sa.select(t.certificates.c.registration_id, t.certificates.c.number)
        .where(t.certificates.c.event_id == event_id, t.certificates.c.revoked_at.is_(None)))}
    candidates = [Candidate(
        registration_id=row["id"], name=full_name(row["surname"], row["given_name"], row["patronymic"]),
        organisation=row["organisation_name"] or "", online_joined=joined[row["id"]],
        checked_in_days=tuple(sorted(days[row["id"]])),
        qualifies=rule is not None and rules.qualifies(rule, online_joined=joined[row["id"]],
                                                         checked_in_days=days[row["id"]]),
        certificate=issued.get(row["id"])) for row in delegates]
    return Preview(rule=rule, online_sessions=len(online), candidates=candidates)


async def issue(store: Store, settings: Settings, *, event_id: int, now: datetime, actor: StaffMember | None = None,
                actor_label: str | None = None, ip: str | None = None) -> list[str]:
    """Certificates for everyone who meets the rule and has none yet; each one e-mailed with its
    PDF. The numbers of the new certificates, in issue order."""
    found = await preview(store, event_id)
    if found.rule is None:
        raise DomainError(N_("Set the completion rule first"))
    event = await _event(store, event_id)
    numbers = []
    async with store.transaction():
        # One issuer per event at a time, so running numbers never collide.
        await store.serialise(f"certificates-{event_id}")
        sequence = int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.certificates)
                                             .where(t.certificates.c.event_id == event_id)))
        has_one = {row["registration_id"] for row in await store.fetch_all(
            sa.select(t.certificates.c.registration_id).where(t.certificates.c.event_id == event_id))}
        for candidate in found.candidates:
            if not candidate.qualifies or candidate.registration_id in has_one:
                continue
            sequence += 1
            number = rules.new_number(year=now.year, event_id=event_id, sequence=sequence)
            await store.execute(t.certificates.insert().values(
                number=number, event_id=event_id, registration_id=candidate.registration_id,
                holder_name=candidate.name, issued_at=now))
            await _mail(store, settings, event, number, candidate.registration_id, now=now)
            numbers.append(number)
        await audit.record(store, actor=actor, actor_label=actor_label, action="certificates.issue",
                           subject=str(len(numbers)), now=now, event_id=event_id, ip=ip,
                           details={"numbers": numbers})
    return numbers


async def _mail(store: Store, settings: Settings, event: Row, number: str, registration_id: int, *,
                now: datetime) -> None:
    registration = await store.fetch_one(sa.select(t.registrations).where(t.registrations.c.id == registration_id))
    assert registration is not None and registration["email"]
    pdf = await certificate_pdf(store, settings, number)
    url = rules.verification_url(settings.base_url, number)
    with i18n.language(registration["language"]):
        subject = i18n.gettext(N_("Your certificate: %(event)s")) % {"event": event["title"]}
        text = i18n.gettext(N_(
            "Hello, %(name)s!\n\nThank you for taking part in «%(event)s». Your certificate No. %(number)s is "
            "attached as a PDF. Anyone can check it at %(url)s\n\nThis letter was sent automatically.")) % {
            "name": registration["given_name"], "event": event["title"], "number": number, "url": url}
    message = compose(sender=settings.mail_from, recipient=mailbox(
        full_name(registration["surname"], registration["given_name"], registration["patronymic"]),
        registration["email"]), subject=subject, text=text,
        attachments=[Attachment(f"certificate-{number}.pdf", "application/pdf", pdf)], date=now)
    await outbox.enqueue(store, message, now=now, registration_id=registration_id)


async def revoke(store: Store, *, event_id: int, number: str, now: datetime, actor: StaffMember | None = None,
                 ip: str | None = None) -> None:
    async with store.transaction():
        row = await store.fetch_one(sa.select(t.certificates).where(t.certificates.c.number == number,
                                                                    t.certificates.c.event_id == event_id))
        if row is None:
            raise NotFound(N_("No such certificate"))
        if row["revoked_at"] is None:
            await store.execute(t.certificates.update().where(t.certificates.c.id == row["id"]).values(revoked_at=now))
        await audit.record(store, actor=actor, action="certificates.revoke", subject=number, now=now,
                           event_id=event_id, ip=ip)


def _issued(row: Row) -> IssuedCertificate:
    return IssuedCertificate(id=row["id"], number=row["number"], registration_id=row["registration_id"],
                             holder=row["holder_name"], issued_at=row["issued_at"], revoked_at=row["revoked_at"],
                             event_title=row["title"], event_slug=row["slug"], event_timezone=row["timezone"])


def _with_event() -> sa.Select:
    return (sa.select(t.certificates, t.events.c.title, t.events.c.slug, t.events.c.timezone)
            .join(t.events, t.events.c.id == t.certificates.c.event_id))


async def find(store: Store, number: str) -> IssuedCertificate:
    """A certificate by its public number, valid or revoked; `NotFound` otherwise."""
    if not number or len(number) > 24:
        raise NotFound(N_("No certificate has this number"))
    row = await store.fetch_one(_with_event().where(t.certificates.c.number == number))
    if row is None:
        raise NotFound(N_("No certificate has this number"))
    return _issued(row)


async def issued(store: Store, event_id: int) -> list[IssuedCertificate]:
    rows = await store.fetch_all(_with_event().where(t.certificates.c.event_id == event_id)
                                 .order_by(t.certificates.c.id))
    return [_issued(row) for row in rows]


async def of_registration(store: Store, registration_id: int) -> list[IssuedCertificate]:
    rows = await store.fetch_all(_with_event().where(t.certificates.c.registration_id == registration_id,
                                                     t.certificates.c.revoked_at.is_(None)))
    return [_issued(row) for row in rows]


async def certificate_pdf(store: Store, settings: Settings, number: str) -> bytes:
    """The certificate drawn from its row (a revoked one too: its page says it is revoked)."""
    certificate = await find(store, number)
    event = await store.fetch_one(sa.select(t.events).where(t.events.c.slug == certificate.event_slug))
    assert event is not None
    rule = await get_rule(store, event["id"])
    organisers = [row["name"] for row in await store.fetch_all(
        sa.select(t.organisations.c.name)
        .join(t.event_organisations, t.event_organisations.c.organisation_id == t.organisations.c.id)
        .where(t.event_organisations.c.event_id == event["id"], t.event_organisations.c.role == "organiser")
        .order_by(t.event_organisations.c.position))]
    with i18n.language("ru"):
        dates = i18n.format_date_range(event["starts_on"], event["ends_on"])
    issued_on = format_date(certificate.issued_at.astimezone(ZoneInfo(event["timezone"])).date(), "d MMMM y",
                            locale="ru") + " г."
    text = CertificateText(number=number, holder=certificate.holder, event_title=event["title"], dates=dates,
                           city=event["city"], hours=rule.hours if rule else None, organisers=organisers,
                           signatory=rule.signatory if rule else "", issued_on=issued_on,
                           url=rules.verification_url(settings.base_url, number))
    return await asyncio.to_thread(rules.certificate_pdf, text)


async def register(store: Store, event_id: int, *, actor: StaffMember | None, now: datetime,
                   ip: str | None = None) -> bytes:
    """The register of issued certificates (XLSX); the export is audited."""
    event = await _event(store, event_id)
    zone = ZoneInfo(event["timezone"])
    found = {candidate.registration_id: candidate for candidate in (await preview(store, event_id)).candidates}
    rows = []
    for certificate in await issued(store, event_id):
        candidate = found.get(certificate.registration_id or 0)
        rows.append(RegisterRow(
            number=certificate.number, holder=certificate.holder or rules.ERASED_NAME,
            organisation=candidate.organisation if candidate else "",
            issued_at=certificate.issued_at.astimezone(zone).replace(tzinfo=None),
            revoked_at=certificate.revoked_at.astimezone(zone).replace(tzinfo=None) if certificate.revoked_at else None,
            online_joined=candidate.online_joined if candidate else 0,
            checked_in_days=", ".join(day.strftime("%d.%m.%Y") for day in candidate.checked_in_days)
            if candidate else ""))
    await audit.record(store, actor=actor, action="certificates.export", subject="", now=now,
                       event_id=event_id, ip=ip)
    return register_xlsx(rows, title=f"Сертификаты · {event['title']}")


async def erase_holder(store: Store, registration_id: int, *, now: datetime) -> None:
    """Consent withdrawn: the name leaves the certificate, its page and every PDF drawn from it."""
    await store.execute(t.certificates.update().where(t.certificates.c.registration_id == registration_id)
                        .values(holder_name=None, erased_at=now))
