"""The issue-4 part of the OpenAPI document: operations on proposals, the queue, announcements
and panel sessions."""

from __future__ import annotations

from typing import Any

from ..office.actions import ACTIONS

BEARER = [{"bearer": []}]
_KIND = {
    "text": {"type": "string"},
    "int": {"type": ["integer", "string"]},
    "bool": {"type": ["boolean", "string"]},
    "date": {"type": "string", "format": "date"},
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _action_values() -> dict[str, Any]:
    properties: dict[str, Any] = {"version": {"type": "integer", "description": "Optimistic lock"}}
    described: dict[str, list[str]] = {}
    for name, action in ACTIONS.items():
        for field_name, spec in action.fields.items():
            properties.setdefault(field_name, dict(_KIND[spec.kind]))
            described.setdefault(field_name, []).append(name + ("*" if spec.required else ""))
    for field_name, used_by in described.items():
        properties[field_name]["description"] = "Used by: " + ", ".join(used_by) + " (* required)"
    return {"type": "object", "properties": properties}


OFFICE_SCHEMAS: dict[str, Any] = {
    "ActionError": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string"},
            "rule": {"type": "string", "description": "The rule that refused the action"},
            "message": {"type": "string", "description": "Korean message naming the rule"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "ProposalState": {
        "type": "object",
        "required": ["receipt_no", "state", "stage", "outcome", "version"],
        "properties": {
            "receipt_no": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6}$"},
            "state": {"type": "string"},
            "stage": {"enum": ["intake", "review", "deliberation", "decision"]},
            "outcome": {"type": ["string", "null"]},
            "version": {"type": "integer"},
            "assigned_reviewer": {"type": ["integer", "null"]},
            "owning_department": {"type": ["string", "null"]},
            "sector": {"type": ["string", "null"]},
            "regulation_type": {"type": ["string", "null"]},
            "merged_into": {"type": ["string", "null"]},
            "announcement": {"type": ["integer", "null"]},
            "repeal_no": {"type": ["integer", "null"]},
        },
    },
    "Queue": {
        "type": "object",
        "required": ["counts", "items", "next"],
        "properties": {
            "count_cap": {
                "type": "integer",
                "description": "Counts are exact up to this; a larger queue reports count_cap + 1",
            },
            "counts": {
                "type": "object",
                "required": ["all", "new", "mine", "waiting", "in_review", "ready", "overdue"],
                "additionalProperties": {"type": "integer", "minimum": 0},
            },
            "next": {"type": ["string", "null"], "description": "Cursor for the next page"},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["receipt_no", "title", "state", "stage", "deadlines"],
                    "properties": {
                        "receipt_no": {"type": "string"},
                        "title": {"type": "string"},
                        "state": {"type": "string"},
                        "stage": {"type": "string"},
                        "sector": {"type": ["string", "null"]},
                        "regulation_type": {"type": ["string", "null"]},
                        "source": {"enum": ["citizen", "official", "agency"]},
                        "channel": {"type": "string"},
                        "assigned_reviewer": {"type": ["integer", "null"]},
                        "owning_department": {"type": ["string", "null"]},
                        "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                        "version": {"type": "integer"},
                        "department_opinion": {
                            "type": "object",
                            "required": ["status", "due_on", "keeps"],
                            "properties": {
                                "status": {
                                    "enum": ["not_transferred", "pending", "provided", "missing"],
                                    "description": "missing: no opinion by the deadline (the "
                                    "department carries the burden of proof)",
                                },
                                "due_on": {"type": ["string", "null"], "format": "date"},
                                "keeps": {"type": "boolean"},
                            },
                        },
                        "deadlines": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["kind", "due_on", "overdue", "paused"],
                                "properties": {
                                    "kind": {"enum": ["review", "result"]},
                                    "due_on": {"type": "string", "format": "date"},
                                    "business_days_left": {"type": "integer"},
                                    "overdue": {"type": "boolean"},
                                    "paused": {"type": "boolean"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "Announcement": {
        "type": "object",
        "required": ["id", "title", "announced_on", "state", "proposals"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "announced_on": {"type": "string", "format": "date"},
            "state": {"enum": ["draft", "published"]},
            "proposals": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["receipt_no", "repeal_no"],
                    "properties": {
                        "receipt_no": {"type": "string"},
                        "repeal_no": {"type": ["integer", "null"]},
                    },
                },
            },
        },
    },
    "PanelSession": {
        "type": "object",
        "required": ["id", "title", "held_on", "quorum", "members", "agenda"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "held_on": {"type": "string", "format": "date"},
            "quorum": {"type": "integer", "minimum": 1},
            "members": {"type": "array", "items": {"type": "integer"}},
            "agenda": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def _refusals() -> dict[str, Any]:
    return {
        "401": _json("No valid token", "ActionError"),
        "403": _json("The caller's role may not do this", "ActionError"),
        "404": _json("No such object (or not the caller's)", "ActionError"),
        "409": _json("The state forbids it (the rule is named) or it changed first", "ActionError"),
        "422": _json("Invalid input: one message per field in `errors`", "ActionError"),
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


QUEUE_PARAMETERS = [
    _query("queue", "all, new, mine, waiting, in_review, ready, overdue"),
    _query("stage", "Stage code"),
    _query("state", "State code"),
    _query("sector", "Sector code"),
    _query("regulation_type", "Regulation type code"),
    _query("source", "citizen, official or agency"),
    _query("channel", "Channel code"),
    _query("campaign", "Campaign code"),
    _query("organisation", "Submitting organisation id"),
    _query("reviewer", "Assigned reviewer id, or 'none'"),
    _query("department", "Owning department id"),
    _query("min_age", "Submitted at least this many days ago"),
    _query("max_age", "Submitted at most this many days ago"),
    _query("q", "Receipt number or keyword"),
    _query("sort", "newest, oldest or updated"),
    _query("limit", "Page size (1-200)"),
    _query("after", "Cursor from the previous page's `next`"),
]


def office_paths() -> dict[str, Any]:
    body = {"required": False, "content": {"application/json": {"schema": _action_values()}}}
    return {
        "/proposals/{receipt_no}/actions/{action}": {
            "post": {
                "operationId": "runProposalAction",
                "summary": "Run one workflow operation on a proposal",
                "security": BEARER,
                "parameters": [
                    _path("receipt_no", {"type": "string"}),
                    _path("action", {"enum": sorted(ACTIONS)}),
                ],
                "requestBody": body,
                "responses": {"200": _json("The new state", "ProposalState"), **_refusals()},
            }
        },
        "/queue": {
            "get": {
                "operationId": "getQueue",
                "summary": "The office's queue with the workspace's filters, keyset-paged",
                "security": BEARER,
                "parameters": QUEUE_PARAMETERS,
                "responses": {
                    "200": _json("Counts per named queue and one page", "Queue"),
                    "400": _json("An unknown code in a filter", "Error"),
                    "401": _json("No valid token", "ActionError"),
                    "403": _json("Not office staff", "ActionError"),
                },
            }
        },
        "/announcements": {
            "post": {
                "operationId": "createAnnouncement",
                "summary": "Start a draft announcement (the chair)",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title", "announced_on"],
                                "properties": {
                                    "title": {"type": "string"},
                                    "announced_on": {"type": "string", "format": "date"},
                                    "summary": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": _json("Created", "Announcement"), **_refusals()},
            }
        },
        "/announcements/{announcement_id}/actions/{action}": {
            "post": {
                "operationId": "runAnnouncementAction",
                "summary": "add a decided repeal (receipt_no) to a draft, or publish it",
                "security": BEARER,
                "parameters": [
                    _path("announcement_id", {"type": "integer"}),
                    _path("action", {"enum": ["add", "publish"]}),
                ],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"receipt_no": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"200": _json("The announcement", "Announcement"), **_refusals()},
            }
        },
        "/panel-sessions": {
            "post": {
                "operationId": "createPanelSession",
                "summary": "Convene a panel session with members and an agenda",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title", "held_on", "members"],
                                "properties": {
                                    "title": {"type": "string"},
                                    "held_on": {"type": "string", "format": "date"},
                                    "members": {"type": "array", "items": {"type": "string"}},
                                    "quorum": {"type": "integer", "minimum": 1},
                                    "agenda": {"type": "array", "items": {"type": "string"}},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": _json("Created", "PanelSession"), **_refusals()},
            }
        },
    }
