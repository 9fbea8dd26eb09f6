"""The OpenAPI 3.1 document of `/api/v1`. Tests validate real responses against these schemas."""

from __future__ import annotations

from typing import Any

from events_app.domain.agenda import SessionKind
from events_app.domain.checkin import Reason

_NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "fields": {"type": "object", "additionalProperties": {"type": "string"}}},
        }},
    },
    "Organisation": {
        "type": "object", "required": ["key", "name"],
        "properties": {"key": {"type": "string"}, "name": {"type": "string"}, "short_name": _NULLABLE_STRING,
                       "inn": {"type": ["string", "null"], "pattern": "^([0-9]{10}|[0-9]{12})$"},
                       "website": _NULLABLE_STRING},
    },
    "EventSummary": {
        "type": "object",
        "required": ["slug", "title", "format", "city", "region", "timezone", "starts_on", "ends_on", "url"],
        "properties": {
            "slug": {"type": "string"}, "title": {"type": "string"}, "title_en": _NULLABLE_STRING,
            "format": {"enum": ["practical_session", "strategic_session", "training_programme", "working_meeting"]},
            "city": {"type": "string"},
            "region": {"type": "object", "required": ["code", "name"],
                       "properties": {"code": {"type": "string", "pattern": "^[0-9]{2}$"}, "name": {"type": "string"}}},
            "timezone": {"type": "string", "description": "IANA time-zone name"},
            "starts_on": {"type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"},
            "url": {"type": "string", "format": "uri"},
        },
    },
    "Event": {
        "allOf": [{"$ref": "#/components/schemas/EventSummary"}, {
            "type": "object", "required": ["days", "organisers", "partners"],
            "properties": {
                "description": _NULLABLE_STRING,
                "days": {"type": "array", "items": {"type": "string", "format": "date"}},
                "organisers": {"type": "array", "items": {"$ref": "#/components/schemas/Organisation"}},
                "partners": {"type": "array", "items": {"$ref": "#/components/schemas/Organisation"}},
            },
        }],
    },
    "Venue": {
        "type": "object", "required": ["key", "name", "kind"],
        "properties": {
            "key": {"type": "string"}, "name": {"type": "string"},
            "kind": {"enum": ["hall", "enterprise", "outdoor", "online"]}, "address": _NULLABLE_STRING,
            "latitude": {"type": ["number", "null"]}, "longitude": {"type": ["number", "null"]},
            "host": {"oneOf": [{"$ref": "#/components/schemas/Organisation"}, {"type": "null"}]},
        },
    },
    "Session": {
        "type": "object",
        "required": ["id", "key", "kind", "title", "starts_at", "ends_at", "venue", "signup_required", "speakers",
                     "url"],
        "properties": {
            "id": {"type": "integer"}, "key": {"type": "string"},
            "kind": {"enum": [kind.value for kind in SessionKind]},
            "title": {"type": "string"}, "title_en": _NULLABLE_STRING, "description": _NULLABLE_STRING,
            "starts_at": {"type": "string", "format": "date-time", "description": "local time with the event's offset"},
            "ends_at": {"type": "string", "format": "date-time"},
            "venue": {"oneOf": [{"$ref": "#/components/schemas/Venue"}, {"type": "null"}]},
            "capacity": {"type": ["integer", "null"], "minimum": 1},
            "signup_required": {"type": "boolean"}, "online_url": _NULLABLE_STRING,
            "speakers": {"type": "array", "items": {
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string"}, "position": _NULLABLE_STRING,
                               "organisation": _NULLABLE_STRING}}},
            "url": {"type": "string", "format": "uri"},
        },
    },
    "RegistrationRequest": {
        "type": "object",
        "required": ["surname", "given_name", "email", "phone", "organisation_name", "position", "region_code",
                     "category", "consent"],
        "properties": {
            "surname": {"type": "string", "maxLength": 100}, "given_name": {"type": "string", "maxLength": 100},
            "patronymic": {"type": ["string", "null"], "maxLength": 100},
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "phone": {"type": "string", "description": "a Russian number; stored as +7XXXXXXXXXX"},
            "organisation_name": {"type": "string", "maxLength": 300},
            "organisation_inn": {"type": ["string", "null"], "pattern": "^([0-9]{10}|[0-9]{12})?$",
                                 "description": "empty when the organisation has none at hand"},
            "position": {"type": "string", "maxLength": 200},
            "region_code": {"type": "string", "pattern": "^[0-9]{2}$"},
            "category": {"enum": ["enterprise", "cluster_management", "government", "development_institution",
                                  "cluster_development_centre", "expert", "speaker", "media", "other"]},
            "days": {"type": "array", "items": {"type": "string", "format": "date"},
                     "description": "days attended; may be left out for a one-day event"},
            "sessions": {"type": "array", "items": {"type": "integer"},
                         "description": "ids of sessions that take sign-ups"},
            "consent": {"const": True, "description": "consent to personal data processing (152-FZ)"},
        },
    },
    "LinkSent": {
        "type": "object", "required": ["status", "message"],
        "properties": {"status": {"type": "string", "enum": ["link_sent"]}, "message": {"type": "string"}},
    },
    "Registration": {
        "type": "object", "required": ["id", "status", "ticket_url", "calendar_url", "choices"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"enum": ["confirmed", "pending", "waitlisted", "rejected", "cancelled"]},
            "ticket_url": {"type": ["string", "null"], "format": "uri"},
            "calendar_url": {"type": ["string", "null"], "format": "uri"},
            "event_position": {"type": ["integer", "null"], "description": "place on the event's waiting list"},
            "choices": {"type": "array", "items": {
                "type": "object", "required": ["session_id", "status", "position"],
                "properties": {"session_id": {"type": "integer"}, "status": {"enum": ["confirmed", "waitlisted"]},
                               "position": {"type": ["integer", "null"], "minimum": 1}}}},
        },
    },
    "Scan": {
        "type": "object", "required": ["list", "nonce"],
        "anyOf": [{"required": ["secret"]}, {"required": ["ticket_hash"]}],
        "properties": {
            "secret": {"type": "string", "description": "the ticket secret or the whole ticket URL"},
            "ticket_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                            "description": "instead of the secret: its SHA-256 as the offline list gives it, for "
                                           "someone admitted offline after a search by name"},
            "list": {"type": "string", "examples": ["entry-2021-04-01", "visit-12", "session-15"]},
            "type": {"enum": ["entry", "exit"], "default": "entry"},
            "nonce": {"type": "string", "minLength": 8, "maxLength": 64},
            "scanned_at": {"type": "string", "format": "date-time"},
            "offline": {"type": "boolean", "default": False},
        },
    },
    "ScanAnswer": {
        "type": "object", "required": ["status", "reason", "message", "list", "attendee", "first_checkin"],
        "properties": {
            "status": {"enum": ["ok", "error"]},
            # Derived from the domain so that a new refusal cannot be left out of the document.
            "reason": {"enum": [None, *(reason.value for reason in Reason)]},
            "message": {"type": "string"}, "list": {"type": "string"},
            "bus": {"type": ["string", "null"],
                    "description": "the bus or car the delegate is seated on for this visit, if any"},
            "attendee": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["name", "organisation", "category", "category_label"],
                "properties": {"name": {"type": "string"}, "organisation": {"type": "string"},
                               "category": {"type": "string"}, "category_label": {"type": "string"}}}]},
            "first_checkin": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["at", "device"],
                "properties": {"at": {"type": "string", "format": "date-time"}, "device": {"type": "string"}}}]},
        },
    },
    "CheckinLists": {
        "type": "object", "required": ["device", "lists"],
        "properties": {
            "device": {"type": "object", "required": ["name", "event", "event_title", "default_list"]},
            "lists": {"type": "array", "items": {
                "type": "object", "required": ["name", "title", "expected", "checked_in", "closed"],
                "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                               "expected": {"type": "integer"}, "checked_in": {"type": "integer"},
                               "closed": {"type": "boolean"}}}},
        },
    },
    "ConsultationSlot": {
        "type": "object", "required": ["id", "starts_at", "ends_at", "timezone", "topic", "specialist", "status"],
        "properties": {
            "id": {"type": "integer"},
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"},
            "timezone": {"type": "string", "description": "IANA time-zone name of the centre or event"},
            "topic": {"type": "string"}, "specialist": {"type": "string"}, "status": {"enum": ["free", "booked"]},
            "centre": _NULLABLE_STRING, "place": _NULLABLE_STRING, "online": {"type": "boolean"},
            "event": {"type": ["string", "null"], "description": "slug of the event the slot belongs to"},
        },
    },
    "ConsultationSlotList": {
        "type": "object", "required": ["slots"],
        "properties": {"slots": {"type": "array", "items": {"$ref": "#/components/schemas/ConsultationSlot"}}},
    },
    "BookingRequest": {
        "type": "object", "required": ["surname", "given", "email", "phone", "organisation", "consent"],
        "description": "The registration API's field names; given_name, organisation_name and organisation_inn "
                       "are accepted too.",
        "properties": {
            "surname": {"type": "string", "maxLength": 100}, "given": {"type": "string", "maxLength": 100},
            "patronymic": {"type": "string", "maxLength": 100}, "email": {"type": "string", "format": "email"},
            "phone": {"type": "string", "examples": ["+7 912 345-67-89"]},
            "organisation": {"type": "string", "maxLength": 300},
            "inn": {"type": "string", "pattern": "^([0-9]{10}|[0-9]{12})$"},
            "consent": {"const": True},
        },
    },
    "Booking": {
        "type": "object", "required": ["id", "status", "slot", "booking_url", "calendar_url", "cancel_until"],
        "properties": {
            "id": {"type": "integer"}, "status": {"enum": ["booked"]},
            "slot": {"$ref": "#/components/schemas/ConsultationSlot"},
            "booking_url": {"type": "string", "format": "uri"}, "calendar_url": {"type": "string", "format": "uri"},
            "cancel_until": {"type": "string", "format": "date-time"},
        },
    },
    "SlotTaken": {
        "type": "object", "required": ["error", "next_free"],
        "properties": {
            "error": {"type": "object", "required": ["code", "message"],
                      "properties": {"code": {"const": "slot_taken"}, "message": {"type": "string"}}},
            "next_free": {"type": "array", "items": {"$ref": "#/components/schemas/ConsultationSlot"}},
        },
    },
    "EventList": {
        "type": "object", "required": ["events"],
        "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/EventSummary"}}},
    },
    "SessionList": {
        "type": "object", "required": ["event", "timezone", "sessions"],
        "properties": {"event": {"type": "string"}, "timezone": {"type": "string"},
                       "sessions": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}}},
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_NOT_FOUND = {"description": "No such event", **_json("Error")}
_REGISTRATION = {"name": "registration_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def openapi_document(base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Events API", "version": "1.0.0",
                 "description": "Programmes of practical sessions and site visits. "
                                "Times carry the event's UTC offset."},
        "servers": [{"url": f"{base_url}/api/v1"}],
        "paths": {
            "/events": {"get": {"operationId": "listEvents", "summary": "Published events",
                                "responses": {"200": {"description": "Events", **_json("EventList")}}}},
            "/events/{slug}": {"get": {
                "operationId": "getEvent", "summary": "One event with its organisers and partners",
                "parameters": [_SLUG],
                "responses": {"200": {"description": "The event", **_json("Event")}, "404": _NOT_FOUND}}},
            "/events/{slug}/sessions": {"get": {
                "operationId": "listSessions", "summary": "The event's sessions in time order",
                "parameters": [
                    _SLUG,
                    {"name": "day", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}},
                    {"name": "kind", "in": "query", "required": False,
                     "schema": {"enum": [kind.value for kind in SessionKind]}},
                ],
                "responses": {"200": {"description": "Sessions", **_json("SessionList")}, "404": _NOT_FOUND,
                              "422": {"description": "Bad filter", **_json("Error")}}}},
            "/events/{slug}/registrations": {"post": {
                "operationId": "register", "summary": "Register a delegate",
                "parameters": [_SLUG],
                "requestBody": {"required": True, **_json("RegistrationRequest")},
                "responses": {"201": {"description": "Registered", **_json("Registration")},
                              "202": {"description": "Nothing registered; if this person (same e-mail, surname and "
                                                     "given name) registered before, a letter with the cabinet "
                                                     "link went to the address", **_json("LinkSent")},
                              "404": _NOT_FOUND,
                              "409": {"description": "Registration is closed", **_json("Error")},
                              "413": {"description": "Body over 1 MB", **_json("Error")},
                              "422": {"description": "Invalid fields, each with its message", **_json("Error")},
                              "429": {"description": "Too many requests from this address", **_json("Error")}}}},
            "/registrations/{registration_id}/approve": {"post": {
                "operationId": "approveRegistration", "summary": "Approve a registration waiting for moderation",
                "security": [{"organiser": []}], "parameters": [_REGISTRATION],
                "responses": {"200": {"description": "Approved; the ticket is mailed", **_json("Registration")},
                              "401": {"description": "No or wrong organiser token", **_json("Error")},
                              "404": {"description": "No such registration", **_json("Error")}}}},
            "/registrations/{registration_id}/reject": {"post": {
                "operationId": "rejectRegistration",
                "summary": "Reject a registration, with the reason mailed to the delegate",
                "security": [{"organiser": []}], "parameters": [_REGISTRATION],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}}}},
                "responses": {"200": {"description": "Rejected", **_json("Registration")},
                              "401": {"description": "No or wrong organiser token", **_json("Error")}}}},
            "/consultations/slots": {"get": {
                "operationId": "listConsultationSlots", "summary": "Upcoming consultation slots, free and booked",
                "parameters": [
                    {"name": "topic", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "specialist", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "date", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                     "description": "the slot's own local date"},
                ],
                "responses": {"200": {"description": "Slots in time order", **_json("ConsultationSlotList")},
                              "422": {"description": "Bad filter", **_json("Error")}}}},
            "/consultations/slots/{slot_id}/bookings": {"post": {
                "operationId": "bookConsultation", "summary": "Book a slot: one person per slot",
                "parameters": [{"name": "slot_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {"required": True, **_json("BookingRequest")},
                "responses": {"201": {"description": "Booked; a confirmation with the calendar file is mailed",
                                      **_json("Booking")},
                              "404": {"description": "No such slot", **_json("Error")},
                              "409": {"description": "Taken (slot_taken, with the next free slots) or no longer "
                                                     "bookable (slot_unavailable)",
                                      "content": {"application/json": {"schema": {"anyOf": [
                                          {"$ref": "#/components/schemas/SlotTaken"},
                                          {"$ref": "#/components/schemas/Error"}]}}}},
                              "413": {"description": "Body over 1 MB", **_json("Error")},
                              "422": {"description": "Invalid fields, each with its message", **_json("Error")},
                              "429": {"description": "Too many requests from this address", **_json("Error")}}}},
            "/checkin/lists": {"get": {
                "operationId": "checkinLists", "summary": "The device's lists with counts",
                "security": [{"device": []}],
                "responses": {"200": {"description": "Lists", **_json("CheckinLists")},
                              "401": {"description": "No or revoked device token", **_json("Error")}}}},
            "/checkin/redeem": {"post": {
                "operationId": "redeem", "summary": "Decide and record one scan", "security": [{"device": []}],
                "requestBody": {"required": True, **_json("Scan")},
                "responses": {"200": {"description": "The decision", **_json("ScanAnswer")},
                              "401": {"description": "No or revoked device token", **_json("Error")},
                              "404": {"description": "No such list", **_json("Error")},
                              "422": {"description": "Unreadable scan", **_json("Error")}}}},
        },
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "organiser": {"type": "http", "scheme": "bearer", "description": "events-app api-token"},
            "device": {"type": "http", "scheme": "bearer", "description": "a door device's token"},
        }},
    }
