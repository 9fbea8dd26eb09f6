"""The Jinja2 environment: templates folder, gettext and the formatting filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from events_app import i18n
from events_app.domain import audit
from events_app.domain.agenda import SESSION_KIND_LABELS
from events_app.domain.errors import N_
from events_app.domain.staff import ROLE_LABELS
from events_app.resources import TEMPLATES_DIR

SESSION_KINDS = SESSION_KIND_LABELS
EVENT_FORMATS = {
    "practical_session": N_("Practical session"),
    "strategic_session": N_("Strategic session"),
    "training_programme": N_("Training programme"),
    "working_meeting": N_("Working meeting"),
}
VENUE_KINDS = {"hall": N_("Hall"), "enterprise": N_("Enterprise"), "outdoor": N_("Outdoors"), "online": N_("Online")}


def localized(item: Any, field: str = "title") -> str:
    """The English variant of a field in the English interface, when there is one."""
    if i18n.current_language() == "en":
        english = getattr(item, f"{field}_en", None)
        if english:
            return str(english)
    return str(getattr(item, field))


def region_name(region: Any) -> str:
    return str(region.name_en if i18n.current_language() == "en" else region.name_ru)


def email(address: str) -> Markup:
    """An address with a break allowed after its «@» (`<wbr>`), the place a reader expects it to wrap."""
    local, at, domain = str(address).partition("@")
    return escape(local) + Markup(at + "<wbr>" if at else "") + escape(domain)


def moment(value: datetime, timezone: str = "Europe/Moscow") -> str:
    """A stored UTC moment as the organisers read it: «27.11.2026 21:34» in the event's zone."""
    return value.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M")


def audit_subject(entry: Any) -> str:
    """What an audit entry was about, in the reader's words: names rather than the codes and numbers
    the services keep in `details` (a version number, a file format, how an organisation is listed)."""
    details: dict[str, Any] = entry.details
    subject = str(entry.subject or "")
    if entry.action == "agenda.publish" and "version" in details:
        title = localized(entry, "event_title") if entry.event_title else subject
        subject = ", ".join(filter(None, (title, i18n.gettext(N_("version %(number)s")) % {
            "number": details["version"]})))
    elif entry.action == "registrations.export" and "format" in details:
        subject = f"{str(details['format']).upper()} · " + i18n.gettext(N_("rows: %(count)s")) % {
            "count": details.get("rows", 0)}
    elif entry.action in audit.SETTINGS_ACTIONS and details:
        subject = i18n.gettext(N_("changed: %(fields)s")) % {"fields": ", ".join(_changed_fields(details))}
    elif entry.action == "visitor_data.purge" and subject:
        subject = i18n.gettext(N_("events that ended before %(date)s")) % {
            "date": date.fromisoformat(subject[:10]).strftime("%d.%m.%Y")}
    parts = [subject or "—"]
    listed_as = details.get("listed_as") or (details.get("role") if entry.action in audit.ORGANISATION_ACTIONS
                                             else None)
    if listed_as:
        parts.append(i18n.gettext(audit.LISTED_AS.get(listed_as, listed_as)))
    elif details.get("role"):
        parts.append(i18n.gettext(ROLE_LABELS.get(details["role"], details["role"])))
    if details.get("step"):
        parts.append(i18n.gettext(audit.STAGE_STEPS.get(details["step"], details["step"])))
    if entry.action == "defence.reveal_experts" and "reveal" in details:
        parts.append(i18n.gettext(N_("names shown") if details["reveal"] else N_("names hidden")))
    return " · ".join(parts)


def _changed_fields(details: dict[str, Any]) -> list[str]:
    """The changed settings in the reader's words, each once, in the settings pages' order; the
    switch and the number of places with their new value."""
    named: list[str] = []
    for field, label in audit.CHANGED_FIELDS.items():
        if field not in details:
            continue
        words = i18n.gettext(label)
        if field == "moderation":
            words = f"{words} {i18n.gettext(N_('on') if details[field] else N_('off'))}"
        elif field == "capacity":
            words = f"{words} {details[field] if details[field] is not None else i18n.gettext(N_('unlimited'))}"
        if words not in named:
            named.append(words)
    return named + [field for field in details if field not in audit.CHANGED_FIELDS]


def _label_filter(labels: Mapping[str, str]) -> Callable[[str], str]:
    """A filter that words a stored code in the reader's language; an unknown code shows as it is."""

    def label(code: str) -> str:
        return i18n.gettext(labels.get(code, code))

    return label


def build_templates(directory: Path = TEMPLATES_DIR) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(("html", "xml", "svg")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    env.filters.update(
        day=i18n.format_day,
        full_date=i18n.format_full_date,
        clock=i18n.format_clock,
        clock_in_zone=i18n.format_clock_in_zone,
        zone=i18n.format_zone,
        number=i18n.format_number,
        utc_offset=i18n.format_utc_offset,
        localized=localized,
        region_name=region_name,
        session_kind=_label_filter(SESSION_KINDS),
        event_format=_label_filter(EVENT_FORMATS),
        venue_kind=_label_filter(VENUE_KINDS),
        role_label=_label_filter(ROLE_LABELS),
        audit_action=_label_filter(audit.ACTIONS),
        audit_actor=_label_filter(audit.ACTORS),
        audit_subject=audit_subject,
        moment=moment,
        email=email,
    )
    env.globals.update(date_range=i18n.format_date_range, current_language=i18n.current_language)
    return Jinja2Templates(env=env)
