"""The `events-app` command: serve, migrate, import and export agendas, load the demo."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from events_app import cli_documents
from events_app.data.backup import BackupError, backup, restore
from events_app.data.database import Store
from events_app.data.migrate import SchemaOutOfDate, check_schema, upgrade
from events_app.domain.agenda import shift_agenda
from events_app.domain.agenda_file import AgendaFileError
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.links import organiser_api_token, sign_checkin_view_link
from events_app.domain.registration import RegistrationStatus
from events_app.domain.staff import Role
from events_app.resources import SCHEDULES_DIR
from events_app.services.checkin.devices import create_device, event_id_of, revoke_device
from events_app.services.consultations.demo import load_demo_slots
from events_app.services.mail.outbox import deliver_due, transport_for
from events_app.services.programme.demo import demo_start_dates, has_events
from events_app.services.programme.exporter import export_agenda
from events_app.services.programme.importer import SeatedBusesRefused, import_agendas, read_agenda_files
from events_app.services.registration import letters
from events_app.services.registration.listing import list_registrations
from events_app.services.registration.signup import decide
from events_app.services.staff import accounts
from events_app.settings import Settings, SettingsError, load_settings

T = TypeVar("T")

DEMO_DIR = SCHEDULES_DIR


class CommandError(Exception):
    """Ends the command with this message on stderr and exit status 1."""


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="events-app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (more than one needs PostgreSQL: SQLite is for one process)")
    serve.add_argument("--tls", action="store_true",
                       help="serve HTTPS with a self-signed certificate kept under the data folder (a venue laptop)")

    commands.add_parser("migrate", help="bring the database schema up to date")

    load = commands.add_parser("import", help="check agenda files and load them (all or nothing)")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument("--shift-to", type=_date, metavar="YYYY-MM-DD",
                      help="move each event so that it starts on this date, keeping days and times")

    dump = commands.add_parser("export", help="write an event's agenda in the import format")
    dump.add_argument("slug")
    dump.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")

    listing = commands.add_parser("registrations", help="list an event's registrations")
    listing.add_argument("slug")
    listing.add_argument("--status", choices=[status.value for status in RegistrationStatus])

    approve = commands.add_parser("approve", help="approve a registration waiting for moderation")
    approve.add_argument("registration_id", type=int, metavar="ID")

    reject = commands.add_parser("reject", help="reject a registration waiting for moderation")
    reject.add_argument("registration_id", type=int, metavar="ID")
    reject.add_argument("--reason", required=True, help="sent to the delegate")

    commands.add_parser("api-token", help="print the organiser token for the JSON API")

    device = commands.add_parser("create-device", help="create a door device and print its pairing URL")
    device.add_argument("slug")
    device.add_argument("--list", required=True, dest="list_name", help="the list it opens on, e.g. entry-2021-04-01")
    device.add_argument("--name", required=True, help="a name door staff recognise, e.g. «Вход 1»")

    view = commands.add_parser("checkin-view-link", help="print a link to the organiser's check-in view (14 days)")
    view.add_argument("slug")

    revoke = commands.add_parser("revoke-device", help="disconnect a door device")
    revoke.add_argument("device_id", type=int, metavar="ID")

    user = commands.add_parser("create-user", help="create a staff account, or give an existing one a role")
    user.add_argument("email")
    user.add_argument("--role", required=True, choices=["admin", *[role.value for role in Role]])
    user.add_argument("--event", metavar="SLUG", help="the event the role is for (every role but admin)")
    user.add_argument("--name", help="the person's name as shown in the workspace (default: from the e-mail)")
    user.add_argument("--visitor-data", action="store_true",
                      help="an organiser who may see the passport data enterprises ask for")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    save = commands.add_parser("backup", help="copy the whole database to a file while the service runs")
    save.add_argument("file", type=Path, metavar="FILE")

    load_backup = commands.add_parser("restore", help="replace the database with a backup (stop the service first)")
    load_backup.add_argument("file", type=Path, metavar="FILE")

    commands.add_parser("purge", help="delete visitor passport data of events that ended EVENTS_VISITOR_DATA_DAYS ago")

    cli_documents.add_parsers(commands)

    demo = commands.add_parser("demo", help="load the demo schedules into an empty database")
    demo.add_argument("--today", type=_date, default=None, help=argparse.SUPPRESS)
    return parser


async def _with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    await check_schema(settings.database_url)
    async with Store(settings.database_url) as store:
        return await work(store)


def _import(settings: Settings, files: Sequence[Path], shift_to: date | None) -> None:
    agendas = read_agenda_files(files, shift_to=shift_to)
    try:
        reports = asyncio.run(_with_store(settings, lambda store: import_agendas(store, agendas, settings=settings)))
    except SeatedBusesRefused as error:
        files_of = {agenda.event.slug: str(path) for path, agenda in zip(files, agendas, strict=True)}
        raise error.as_file_error(files_of) from None
    for report in reports:
        print(report)


def _export(settings: Settings, slug: str, output: Path | None) -> None:
    text = asyncio.run(_with_store(settings, lambda store: export_agenda(store, slug)))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"{slug}: written to {output}")


def _demo(settings: Settings, today: date | None) -> None:
    async def load(store: Store) -> None:
        if await has_events(store):
            print("The database already holds events; the demo is not loaded again.")
            return
        agendas = read_agenda_files(sorted(DEMO_DIR.glob("*.toml")))
        starts = demo_start_dates(agendas, today or date.today())
        shifted = [shift_agenda(agenda, starts[agenda.event.slug]) for agenda in agendas]
        for report in await import_agendas(store, shifted):
            print(report)
        slots = await load_demo_slots(store, sorted((DEMO_DIR / "consultations").glob("*.toml")),
                                      today=today or date.today(), now=datetime.now(UTC))
        print(f"{slots} consultation slot(s) published")

    asyncio.run(_with_store(settings, load))


def _registrations(settings: Settings, slug: str, status: str | None) -> None:
    rows = asyncio.run(_with_store(settings, lambda store: list_registrations(store, slug, status=status)))
    for row in rows:
        print(f"{row.id}\t{row.status}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.full_name}\t{row.organisation}"
              f"\t{row.email}")
    print(f"{len(rows)} registration(s)", file=sys.stderr)


def _decide(settings: Settings, registration_id: int, *, approve: bool, reason: str | None) -> None:
    async def run(store: Store) -> str:
        result = await decide(store, settings, registration_id, approve=approve, reason=reason, now=datetime.now(UTC))
        # The decision's e-mail is in the outbox; deliver it now rather than wait for the server.
        await deliver_due(store, transport_for(settings), render=letters.writer(store, settings))
        return result.status

    status = asyncio.run(_with_store(settings, run))
    print(f"Registration {registration_id}: {status}; the delegate has been notified.")


def _create_device(settings: Settings, slug: str, list_name: str, name: str) -> None:
    created = asyncio.run(_with_store(settings, lambda store: create_device(
        store, settings.secret_key, slug=slug, list_name=list_name, name=name, now=datetime.now(UTC))))
    print(f"Device {created.id}: {name}")
    print(f"Pairing URL: {settings.base_url}/pair/{created.pairing_code}")
    print(f"Token: {created.token}")


def _create_user(settings: Settings, args: argparse.Namespace) -> None:
    if args.role != "admin" and not args.event:
        raise CommandError(f"--event SLUG is needed for the role {args.role}")

    async def run(store: Store) -> str:
        now = datetime.now(UTC)
        # The event first: a typo in its slug must not leave an account without its role behind.
        event_id = await event_id_of(store, args.event) if args.role != "admin" else None
        try:
            staff_id = await accounts.staff_id_by_email(store, args.email)
            created = False
        except NotFound:
            password = _read_password(args.password_stdin)
            staff_id = await accounts.create_staff(store, email=args.email, name=args.name or args.email.split("@")[0],
                                                password=password, is_admin=args.role == "admin", now=now)
            created = True
        if args.role == "admin":
            if not created:
                raise CommandError(f"{args.email} already has an account; admin rights are given at creation")
            return f"Administrator {accounts.normalise_email(args.email)} created."
        assert event_id is not None
        await accounts.grant_role(store, staff_id=staff_id, event_id=event_id, role=Role(args.role), now=now,
                               visitor_data=args.visitor_data)
        verb = "created with" if created else "given"
        return f"{accounts.normalise_email(args.email)} {verb} the role {args.role} in {args.event}."

    print(asyncio.run(_with_store(settings, run)))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (at least 10 characters): ")
        if getpass.getpass("Once more: ") != password:
            raise CommandError("the two passwords differ")
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise CommandError(f"the password is too short: use at least {accounts.MIN_PASSWORD_LENGTH} characters")
    return password


def _serve(settings: Settings, host: str, port: int, tls: bool, workers: int = 1) -> None:
    import uvicorn
    from starlette.applications import Starlette

    from events_app.app import create_app
    from events_app.web.request_log import logging_config

    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise CommandError("several workers need PostgreSQL (EVENTS_DATABASE_URL=postgresql://…); "
                           "SQLite serves one process")
    asyncio.run(check_schema(settings.database_url))
    certfile: str | None = None
    keyfile: str | None = None
    if tls:
        from events_app.tls import local_names, self_signed

        names = local_names(host)
        cert, key, fingerprint = self_signed(settings.data_dir / "tls", names)
        certfile, keyfile = str(cert), str(key)
        print(f"HTTPS with a self-signed certificate for {', '.join(names)}", flush=True)
        print(f"SHA-256 fingerprint: {fingerprint}", flush=True)
        if not settings.base_url.startswith("https://"):
            print("Note: set EVENTS_BASE_URL to the https:// address phones use, so links and QR codes match.",
                  flush=True)
    # The app writes its own access log (JSON, with request IDs), so uvicorn's is off.
    # Workers import the app themselves and read the same environment.
    target: str | Starlette = "events_app.app:app_from_environment" if workers > 1 else create_app(settings)
    # A worker importing the service on a busy machine can take longer than uvicorn's 5 s check.
    uvicorn.run(target, factory=workers > 1, workers=workers if workers > 1 else None,
                timeout_worker_healthcheck=60, host=host, port=port, proxy_headers=True, access_log=False,
                log_config=logging_config(), ssl_certfile=certfile, ssl_keyfile=keyfile,
                forwarded_allow_ips=",".join(str(net) for net in settings.trusted_proxies) or None)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "migrate":
            upgrade(settings.database_url)
            print("The database schema is up to date.")
        elif args.command == "import":
            _import(settings, args.files, args.shift_to)
        elif args.command == "export":
            _export(settings, args.slug, args.output)
        elif args.command == "demo":
            _demo(settings, args.today)
        elif args.command == "registrations":
            _registrations(settings, args.slug, args.status)
        elif args.command in ("approve", "reject"):
            _decide(settings, args.registration_id, approve=args.command == "approve",
                    reason=getattr(args, "reason", None))
        elif args.command == "create-device":
            _create_device(settings, args.slug, args.list_name, args.name)
        elif args.command == "checkin-view-link":
            event_id = asyncio.run(_with_store(settings, lambda store: event_id_of(store, args.slug)))
            token = sign_checkin_view_link(settings.secret_key, event_id=event_id, now=datetime.now(UTC))
            print(f"Check-in view: {settings.base_url}/organiser/checkin/{token}")
        elif args.command == "revoke-device":
            asyncio.run(_with_store(settings,
                                    lambda store: revoke_device(store, args.device_id, now=datetime.now(UTC))))
            print(f"Device {args.device_id} is disconnected.")
        elif args.command == "backup":
            report = backup(settings.database_url, args.file)
            print(f"Backup written to {report.path} ({report.size:,} bytes"
                  f"{', schema ' + report.revision if report.revision else ''}).")
        elif args.command == "restore":
            restore(settings.database_url, args.file)
            asyncio.run(check_schema(settings.database_url))
            print(f"Database restored from {args.file}.")
        elif args.command == "create-user":
            _create_user(settings, args)
        elif args.command == "purge":
            from events_app.services.visits.visitor_data import purge

            deleted = asyncio.run(_with_store(settings, lambda store: purge(store, settings, now=datetime.now(UTC))))
            print(f"Visitor data deleted for {deleted} delegates.")
        elif args.command == "api-token":
            print(organiser_api_token(settings.secret_key))
        elif args.command in cli_documents.COMMANDS:
            cli_documents.run(settings, args)
        elif args.command == "serve":
            _serve(settings, args.host, args.port, args.tls, args.workers)
    except SettingsError as error:
        print(f"events-app: {error}", file=sys.stderr)
        return 2
    except AgendaFileError as error:
        for item in error.errors:
            print(item, file=sys.stderr)
        print(f"events-app: nothing imported: {len(error.errors)} error(s)", file=sys.stderr)
        return 1
    except (SchemaOutOfDate, DomainError, CommandError, BackupError) as error:
        print(f"events-app: {error}", file=sys.stderr)
        if isinstance(error, DomainError):
            for field, text in error.fields.items():
                print(f"  {field}: {text}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
