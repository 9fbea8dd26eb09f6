"""The OpenAPI 3.1 document of `/api/v1`. Tests validate real responses against these schemas."""

from __future__ import annotations

from typing import Any

from events_app.domain.agenda import SessionKind

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
        "required": ["id", "key", "kind", "title", "starts_at", "ends_at", "venue", "signup_required", "speakers", "url"],
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
                "properties": {"name": {"type": "string"}, "position": _NULLABLE_STRING, "organisation": _NULLABLE_STRING}}},
            "url": {"type": "string", "format": "uri"},
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


def openapi_document(base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Events API", "version": "1.0.0",
                 "description": "Programmes of practical sessions and site visits. Times carry the event's UTC offset."},
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
        },
        "components": {"schemas": SCHEMAS},
    }
