"""Who may do what in the organiser workspace: roles per event, and an admin over all events."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from events_app.domain.errors import N_, DomainError


class Role(StrEnum):
    ORGANISER = "organiser"
    DOOR = "door"
    EXPERT = "expert"
    # A specialist who gives consultations: sees their day, records held / no-show and a note.
    CONSULTANT = "consultant"


ROLE_LABELS: dict[str, str] = {
    "admin": N_("Administrator"),
    Role.ORGANISER: N_("Organiser"),
    Role.DOOR: N_("Door staff"),
    Role.EXPERT: N_("Expert"),
    Role.CONSULTANT: N_("Consultant"),
}


class NotSignedIn(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


@dataclass(frozen=True)
class StaffMember:
    """A signed-in member of staff with the roles they hold, event by event."""

    id: int
    email: str
    name: str
    is_admin: bool
    roles: dict[int, frozenset[Role]] = field(default_factory=dict)
    visitor_data_events: frozenset[int] = frozenset()
    csrf_token: str = ""

    def has_role(self, event_id: int, *roles: Role) -> bool:
        """An admin holds every role; others hold what they were given for this event."""
        if self.is_admin:
            return True
        held = self.roles.get(event_id, frozenset())
        return any(role in held for role in roles)

    def may_see_visitor_data(self, event_id: int) -> bool:
        """Passport fields for an enterprise's security: only by an explicit grant, admins included."""
        return event_id in self.visitor_data_events

    def event_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    def organised_events(self) -> frozenset[int]:
        return frozenset(event_id for event_id, roles in self.roles.items() if Role.ORGANISER in roles)

    @property
    def reads_audit_log(self) -> bool:
        """The audit log is for administrators and organisers: the navigation offers it to no one else."""
        return self.is_admin or bool(self.organised_events())


def require_role(member: StaffMember, event_id: int, *roles: Role) -> None:
    if not member.has_role(event_id, *roles):
        raise Forbidden(N_("Your account has no access to this part of the event"))


def require_admin(member: StaffMember) -> None:
    if not member.is_admin:
        raise Forbidden(N_("Only an administrator may do this"))
