"""What the audit log's codes mean to the people who read it.

The log stores a short code per entry (`device.create`); exports and filters keep the code, the
workspace shows the description in the reader's language. Every code a service writes is listed
here: `tests/domain/test_audit.py` reads the services' calls to `audit.record` and fails on a
code without a description.
"""

from __future__ import annotations

from events_app.domain.errors import N_

ACTIONS: dict[str, str] = {
    "agenda.draft_save": N_("Agenda draft saved"),
    "agenda.draft_remove": N_("Session removed in the agenda draft"),
    "agenda.draft_discard": N_("Agenda draft discarded"),
    "agenda.import": N_("Agenda loaded from a file"),
    "agenda.publish": N_("Agenda published"),
    "attendance.export": N_("Attendance sheet downloaded"),
    "badges.legend": N_("Badge categories changed"),
    "badges.print": N_("Badges printed"),
    "certificates.rule": N_("Certificate rule changed"),
    "certificates.issue": N_("Certificates issued"),
    "certificates.revoke": N_("Certificate revoked"),
    "certificates.export": N_("Certificate register downloaded"),
    "defence.application_accept": N_("Defence application accepted"),
    "defence.application_reject": N_("Defence application rejected"),
    "defence.application_wait": N_("Defence application put on the waiting list"),
    "defence.slides_publish": N_("Slides published"),
    "defence.slides_hide": N_("Slides hidden"),
    "defence.slot_add": N_("Project defence added"),
    "defence.slot_edit": N_("Project defence changed"),
    "defence.slot_move": N_("Project defence moved"),
    "defence.slot_remove": N_("Project defence removed"),
    "defence.criterion_add": N_("Scoring criteria added"),
    "defence.criterion_remove": N_("Scoring criterion removed"),
    "defence.expert_assign": N_("Expert added to the jury"),
    "defence.expert_unassign": N_("Expert removed from the jury"),
    "defence.score_submit": N_("Scores given"),
    "defence.score_correct": N_("Scores corrected"),
    "defence.scoring_close": N_("Scoring closed"),
    "defence.scoring_reopen": N_("Scoring reopened"),
    "defence.reveal_experts": N_("Experts' names shown or hidden in remarks"),
    "defence.remarks_send": N_("Experts' remarks sent to the teams"),
    "defence.export": N_("Defence results downloaded"),
    "defence.stage": N_("Stage screen switched"),
    "device.create": N_("Door device added"),
    "device.revoke": N_("Door device revoked"),
    "event.create": N_("Event created"),
    "event.update": N_("Event details changed"),
    "event.publish": N_("Event published"),
    "event.draft": N_("Event returned to draft"),
    "event.registration_settings": N_("Registration settings changed"),
    "event.organisation_add": N_("Organisation added to the event"),
    "event.organisation_move": N_("Organisations reordered"),
    "event.organisation_remove": N_("Organisation removed from the event"),
    "organisation.create": N_("Organisation created"),
    "organisation.update": N_("Organisation changed"),
    "registration.approve": N_("Registration approved"),
    "registration.reject": N_("Registration rejected"),
    "registration.move_to_waitlist": N_("Delegate moved to the waiting list"),
    "registration.move_to_confirmed": N_("Delegate given a place from the waiting list"),
    "registrations.export": N_("Registrations downloaded"),
    "staff.create": N_("Staff account created"),
    "staff.grant": N_("Role given"),
    "staff.revoke": N_("Role taken away"),
    "staff.disable": N_("Staff account disabled"),
    "staff.enable": N_("Staff account enabled"),
    "staff.sign_in": N_("Signed in"),
    "staff.password": N_("Password changed"),
    "venue.create": N_("Venue added"),
    "venue.update": N_("Venue changed"),
    "venue.remove": N_("Venue removed"),
    "visitor_data.view": N_("Visitors' passport data opened"),
    "visitor_data.export": N_("Visitors' passport data downloaded"),
    "visitor_data.purge": N_("Passport data of past events deleted"),
    "visits.assign": N_("Delegates seated on the buses"),
    "visits.move": N_("Delegate moved to another bus"),
    "visits.times": N_("Bus times changed"),
    "visits.bus_add": N_("Bus added to a visit"),
    "visits.bus_update": N_("Bus changed"),
    "visits.bus_remove": N_("Bus removed from a visit"),
}

# The chair's steps on the stage screen (`defence.stage`), named as the buttons that make them.
STAGE_STEPS: dict[str, str] = {
    "start": N_("Start from the first project"),
    "next": N_("Questions"),
    "next_project": N_("Next project"),
    "back": N_("Back"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "reset": N_("Reset"),
}

# How an organisation is listed on an event (`listed_as`; entries before it was named say `role`).
LISTED_AS: dict[str, str] = {
    "organiser": N_("as an organiser"),
    "partner": N_("as a partner"),
}
# What an event's details or registration settings entry changed (`details` keeps the new values by
# field): named as the organiser knows them from the settings pages.
SETTINGS_ACTIONS = frozenset({"event.update", "event.registration_settings"})
CHANGED_FIELDS: dict[str, str] = {
    "title": N_("title"),
    "title_en": N_("title in English"),
    "city": N_("city"),
    "city_en": N_("city in English"),
    "timezone": N_("time zone"),
    "format": N_("format"),
    "region_code": N_("region"),
    "starts_on": N_("first day"),
    "ends_on": N_("last day"),
    "description": N_("description"),
    "capacity": N_("number of places"),
    "moderation": N_("approval by an organiser"),
    "consent_version": N_("the consent text"),
    "consent_text": N_("the consent text"),
    "registration_opens_at": N_("registration opening"),
    "registration_closes_at": N_("registration closing"),
}
ORGANISATION_ACTIONS = frozenset({"organisation.create", "organisation.update", "event.organisation_add",
                                  "event.organisation_move", "event.organisation_remove"})

# Who acted when no signed-in member did: stored as these words, shown translated.
SYSTEM = "system"
COMMAND_LINE = "command line"
ACTORS: dict[str, str] = {
    SYSTEM: N_("the service itself"),
    COMMAND_LINE: N_("command line"),
    "cli": N_("command line"),  # entries written before the label was unified
}
