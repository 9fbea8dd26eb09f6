"""Backups of the whole database, taken while the service runs, and restoring one.

SQLite: the online backup API copies a consistent snapshot page by page while writers go on (WAL),
into a temporary file that is checked (`PRAGMA integrity_check`) and then renamed into place, so a
half-written backup never carries the final name. PostgreSQL: `pg_dump --format=custom`, restored
with `pg_restore --clean`; both must be installed (Debian: `postgresql-client`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from events_app.data.migrate import ALEMBIC_VERSION
from events_app.data.prepared import PreparedStatement
from events_app.data.sqlite_backend import BUSY_TIMEOUT_MS


class BackupError(Exception):
    """The backup or the restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    revision: str | None


def sqlite_path(database_url: str) -> Path:
    """`sqlite:///relative.db` or `sqlite:////absolute.db` → the file."""
    return Path(database_url.split(":///", 1)[1])


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = PreparedStatement(sa.select(ALEMBIC_VERSION.c.version_num)).first(connection)
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _check(connection: sqlite3.Connection, what: str) -> None:
    # PRAGMA statements are SQLite's own and have no SQLAlchemy expression.
    result = connection.execute("PRAGMA integrity_check").fetchone()
    if result is None or result[0] != "ok":
        raise BackupError(f"{what} failed its integrity check: {result[0] if result else 'no answer'}")


def backup(database_url: str, target: Path) -> BackupReport:
    if database_url.startswith("sqlite"):
        return _backup_sqlite(sqlite_path(database_url), target)
    return _backup_postgres(database_url, target)


def restore(database_url: str, source: Path) -> BackupReport:
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    if database_url.startswith("sqlite"):
        return _restore_sqlite(source, sqlite_path(database_url))
    return _restore_postgres(database_url, source)


def _backup_sqlite(database: Path, target: Path) -> BackupReport:
    if not database.is_file():
        raise BackupError(f"{database}: no database here (check EVENTS_DATABASE_URL)")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)
    copy = sqlite3.connect(partial)
    try:
        # Whole snapshot in one step: a read transaction in WAL mode does not stop the writers.
        source.backup(copy)
        _check(copy, "The backup")
        revision = _revision(copy)
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)
    return BackupReport(path=target, size=target.stat().st_size, revision=revision)


def _restore_sqlite(source: Path, database: Path) -> BackupReport:
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        try:
            _check(backup_file, "The backup file")
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a SQLite backup of this service: {error}") from None
        revision = _revision(backup_file)
        if revision is None:
            raise BackupError(f"{source} is not a backup of this service (it has no schema version)")
        database.parent.mkdir(parents=True, exist_ok=True)
        live = sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            # The backup API replaces every page under the database's own locks: one step, no half state.
            backup_file.backup(live)
            live.execute("PRAGMA journal_mode = WAL")
        finally:
            live.close()
    finally:
        backup_file.close()
    return BackupReport(path=database, size=database.stat().st_size, revision=revision)


def _libpq_url(database_url: str) -> str:
    parts = urlsplit(database_url)
    return parts._replace(scheme="postgresql").geturl()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: apt-get install postgresql-client (the same major "
                          "version as the server, or newer)")
    return found


def _backup_postgres(database_url: str, target: Path) -> BackupReport:
    partial = target.with_name(f".{target.name}.partial")
    done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}",
                           f"--dbname={_libpq_url(database_url)}"], capture_output=True, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    os.replace(partial, target)
    return BackupReport(path=target, size=target.stat().st_size, revision=None)


def _restore_postgres(database_url: str, source: Path) -> BackupReport:
    done = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                           f"--dbname={_libpq_url(database_url)}", str(source)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")
    return BackupReport(path=source, size=source.stat().st_size, revision=None)
