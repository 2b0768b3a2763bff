"""The OpenAPI 3.1 document of ``/api/v1`` (served at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
ERROR = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "error": {"type": "string"},
        "field": {"type": "string"},
        "message": {
            "type": "string",
            "description": "Message naming the rule: Korean, or English with ?lang=en or "
            "Accept-Language: en",
        },
        "request_id": {"type": "string"},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, ref: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


PUBLIC_FILTERS = [
    _query("sector", "Sector code, e.g. construction_housing"),
    _query("regulation_type", "Regulation type code, e.g. economic"),
    _query("announcement", "Announcement id", type="integer", minimum=1),
]


def document() -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "규제철폐 제안센터 API",
            "version": "1.0",
            "description": "Regulation-repeal proposals: public figures, the repeal register and "
            "citizen-vote results. Codes follow the domain reference (source kind, "
            "channel, sector, regulation type, stage, outcome). Messages are in Korean; "
            "?lang=en or the header Accept-Language: en gives them in English (the keys of "
            "errors stay the same).",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/stats": {
                "get": {
                    "operationId": "getStats",
                    "summary": "Campaign figures keyed by the domain's codes",
                    "parameters": [
                        _query("campaign", "Campaign code, or 'all'"),
                        _query(
                            "from",
                            "First submission date (YYYY-MM-DD, Seoul)",
                            type="string",
                            format="date",
                        ),
                        _query(
                            "to",
                            "Last submission date (YYYY-MM-DD, Seoul)",
                            type="string",
                            format="date",
                        ),
                    ],
                    "responses": {
                        "200": _ok("The figures", "Stats"),
                        "400": _error("An unknown code or dates out of order"),
                    },
                }
            },
            "/repeals": {
                "get": {
                    "operationId": "listRepeals",
                    "summary": "The repeal register (규제철폐 1호 … N호) in number order",
                    "description": "Paged by cursor: `limit` repeals at a time, and the "
                    'address of the next slice in the `Link` header (`rel="next"`; absent on '
                    "the last slice). A slice keeps its rows when repeals are announced later: "
                    "they get higher numbers and come at the end.",
                    "parameters": [
                        *PUBLIC_FILTERS,
                        _query(
                            "limit",
                            "Repeals per response (default 100)",
                            type="integer",
                            minimum=1,
                            maximum=500,
                        ),
                        _query(
                            "after",
                            "Opaque cursor: the `after` of the previous response's Link "
                            "rel=next (omit for the first slice)",
                        ),
                    ],
                    "responses": {
                        "200": {
                            **_ok("Repeals in number order, at most `limit`", "Repeals"),
                            "headers": {
                                "Link": {
                                    "description": "RFC 8288: `</api/v1/repeals?…&after=…>; "
                                    'rel="next"`, a relative address of the next slice with '
                                    "the same filters and limit; absent on the last slice",
                                    "schema": {"type": "string"},
                                }
                            },
                        },
                        "400": _error("An unknown code, a limit out of 1–500 or a bad cursor"),
                    },
                }
            },
            "/votes/{round}/results": {
                "get": {
                    "operationId": "getVoteResults",
                    "summary": "Results of a citizen vote after it closed",
                    "parameters": [
                        {
                            "name": "round",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": _ok("Counts and ranks", "VoteResults"),
                        "404": _error("No such vote"),
                        "409": _error("The vote has not closed yet"),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": ERROR,
                "Stats": {
                    "type": "object",
                    "required": [
                        "received",
                        "repeals",
                        "by_stage",
                        "by_outcome",
                        "as_of",
                        "updating",
                    ],
                    "properties": {
                        "as_of": {
                            "type": "string",
                            "format": "date-time",
                            "description": "When these figures were computed (UTC)",
                        },
                        "updating": {
                            "type": "boolean",
                            "description": "A change was committed after as_of; the new figures "
                            "are being computed and these are the previous ones",
                        },
                        "received": {
                            "type": "object",
                            "required": ["total", "by_source", "by_channel"],
                            "properties": {
                                "total": {"type": "integer", "minimum": 0},
                                "by_source": COUNTS,
                                "by_channel": COUNTS,
                            },
                        },
                        "repeals": {
                            "type": "object",
                            "required": ["total", "by_sector", "by_type"],
                            "properties": {
                                "total": {"type": "integer", "minimum": 0},
                                "by_sector": COUNTS,
                                "by_type": COUNTS,
                            },
                        },
                        "by_stage": COUNTS,
                        "by_outcome": COUNTS,
                    },
                },
                "Repeal": {
                    "type": "object",
                    "required": [
                        "number",
                        "title",
                        "sector",
                        "regulation_type",
                        "announcement",
                        "announced_on",
                        "receipt_no",
                    ],
                    "properties": {
                        "number": {"type": "integer", "minimum": 1},
                        "title": {"type": "string"},
                        "sector": {"type": ["string", "null"]},
                        "regulation_type": {"type": ["string", "null"]},
                        "announcement": {"type": ["string", "null"]},
                        "announced_on": {"type": ["string", "null"], "format": "date"},
                        "receipt_no": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6}$"},
                        "outcome": {"enum": ["repeal", "relax"]},
                        "implementation": {
                            "enum": ["preparing", "ordinance_amendment", "in_force", None]
                        },
                        "effective_on": {"type": ["string", "null"], "format": "date"},
                    },
                },
                "Repeals": {"type": "array", "items": {"$ref": "#/components/schemas/Repeal"}},
                "VoteResults": {
                    "type": "object",
                    "required": ["round", "title", "voters", "results"],
                    "properties": {
                        "round": {"type": "integer"},
                        "title": {"type": "string"},
                        "opens_at": {"type": "string", "format": "date-time"},
                        "closes_at": {"type": "string", "format": "date-time"},
                        "voters": {"type": "integer", "minimum": 0},
                        "top": {
                            "type": "array",
                            "items": {"type": "integer"},
                            "description": "Repeal numbers of the top N (N = picks allowed), "
                            "ties at the cut-off included",
                        },
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["rank", "number", "title", "votes"],
                                "properties": {
                                    "rank": {"type": "integer", "minimum": 1},
                                    "number": {"type": "integer"},
                                    "title": {"type": "string"},
                                    "votes": {"type": "integer", "minimum": 0},
                                },
                            },
                        },
                    },
                },
            }
        },
    }
    doc["paths"].update(proposal_paths())
    doc["components"]["schemas"].update(PROPOSAL_SCHEMAS)
    from .openapi_office import OFFICE_SCHEMAS, office_paths

    doc["paths"].update(office_paths())
    doc["components"]["schemas"].update(OFFICE_SCHEMAS)
    doc["paths"].update(SEARCH_PATHS)
    doc["components"]["schemas"].update(SEARCH_SCHEMAS)
    doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return doc


BEARER = [{"bearer": []}]
PROPOSAL_SCHEMAS: dict[str, Any] = {
    "Token": {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}},
    "NewProposal": {
        "type": "object",
        "required": [
            "title",
            "current_regulation",
            "problem",
            "proposed_change",
            "expected_effect",
            "consent",
        ],
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "current_regulation": {"type": "string"},
            "problem": {"type": "string"},
            "proposed_change": {"type": "string"},
            "expected_effect": {"type": "string"},
            "legal_basis": {"type": ["string", "null"]},
            "sector": {"type": ["string", "null"]},
            "regulation_type": {"type": ["string", "null"]},
            "consent": {"const": True},
        },
    },
    "ProposalRef": {
        "type": "object",
        "required": ["id", "receipt_no", "stage", "state"],
        "properties": {
            "id": {"type": "integer"},
            "receipt_no": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6}$"},
            "stage": {"enum": ["intake", "review", "deliberation", "decision"]},
            "state": {"type": "string"},
        },
    },
    "Proposal": {
        "allOf": [
            {"$ref": "#/components/schemas/ProposalRef"},
            {
                "type": "object",
                "required": ["title", "source", "channel"],
                "properties": {
                    "title": {"type": "string"},
                    "source": {"enum": ["citizen", "official", "agency"]},
                    "channel": {"type": "string"},
                    "outcome": {"type": ["string", "null"]},
                    "repeal_no": {"type": ["integer", "null"]},
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                    "decision": {"type": ["object", "null"]},
                },
            },
        ]
    },
    "Proposals": {"type": "array", "items": {"$ref": "#/components/schemas/Proposal"}},
    "FieldErrors": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
}


def proposal_paths() -> dict[str, Any]:
    return {
        "/tokens": {
            "post": {
                "operationId": "createToken",
                "summary": "Issue a personal access token for API calls",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["email", "password"],
                                "properties": {
                                    "email": {"type": "string"},
                                    "password": {"type": "string"},
                                    "name": {"type": "string"},
                                    "otp": {
                                        "type": "string",
                                        "description": "The authenticator's current code; "
                                        "required for reviewers, panel members, the chair and "
                                        "admins (two-factor login)",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _ok("The token (shown only once)", "Token"),
                    "401": _error(
                        "Wrong e-mail address or password, or the second factor missing or wrong"
                    ),
                    "422": _error("Missing fields"),
                },
            }
        },
        "/tokens/current": {
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revoke the token used for this call",
                "security": BEARER,
                "responses": {"204": {"description": "Revoked"}, "401": _error("No valid token")},
            }
        },
        "/proposals": {
            "post": {
                "operationId": "submitProposal",
                "summary": "Submit a proposal; a repeated Idempotency-Key returns the same one",
                "security": BEARER,
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 64},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/NewProposal"}}
                    },
                },
                "responses": {
                    "201": _ok("Submitted", "ProposalRef"),
                    "200": _ok("Already submitted with this key", "ProposalRef"),
                    "401": _error("No valid token"),
                    "403": _error("This account's role does not propose (staff)"),
                    "422": _ok("One message per invalid field", "FieldErrors"),
                },
            }
        },
        "/proposals/{receipt_no}": {
            "get": {
                "operationId": "getProposal",
                "summary": "A proposal, for its proposer or the office's staff",
                "security": BEARER,
                "parameters": [
                    {
                        "name": "receipt_no",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _ok("The proposal", "Proposal"),
                    "401": _error("No valid token"),
                    "404": _error("Not found (or not yours)"),
                },
            }
        },
        "/me/proposals": {
            "get": {
                "operationId": "myProposals",
                "summary": "The caller's own proposals, newest first",
                "description": "Paged by cursor: `limit` proposals at a time, and the address "
                'of the next slice in the `Link` header (`rel="next"`; absent on the last '
                "slice).",
                "security": BEARER,
                "parameters": [
                    _query(
                        "limit",
                        "Proposals per response (default 100)",
                        type="integer",
                        minimum=1,
                        maximum=500,
                    ),
                    _query(
                        "after",
                        "Opaque cursor: the `after` of the previous response's Link rel=next "
                        "(omit for the first slice)",
                    ),
                ],
                "responses": {
                    "200": {
                        **_ok("Newest first, at most `limit`", "Proposals"),
                        "headers": {
                            "Link": {
                                "description": "RFC 8288: `</api/v1/me/proposals?limit=…&after=…>;"
                                ' rel="next"`, a relative address of the next slice with the same '
                                "limit; absent on the last slice",
                                "schema": {"type": "string"},
                            }
                        },
                    },
                    "400": _error("A limit out of 1–500 or a bad cursor"),
                    "401": _error("No valid token"),
                },
            }
        },
    }


SEARCH_PATHS: dict[str, Any] = {
    "/search": {
        "get": {
            "operationId": "searchProposals",
            "summary": "Search proposals (Korean morphological analysis); a receipt number or "
            "'33호' looks the proposal up. No token: the public view, masked; a staff token: "
            "what the role may see",
            "security": [{}, {"bearer": []}],
            "parameters": [
                _query("q", "What to look for, up to 200 characters", type="string"),
                _query("sector", "Sector code, e.g. construction_housing"),
                _query("regulation_type", "Regulation type code, e.g. economic"),
                _query("source", "Source kind: citizen, official or agency"),
                _query("stage", "Stage: intake, review, deliberation or decision"),
                _query("outcome", "Outcome code, or 'none' (staff only)"),
                _query("year", "Year of submission, YYYY (staff only)"),
                _query("page", "Page (20 results a page)", type="integer", minimum=1, maximum=500),
            ],
            "responses": {
                "200": _ok("Results, best first, with facet counts", "SearchResults"),
                "400": _error("An unknown code or page"),
                "401": _error("A token was sent but is not valid"),
            },
        }
    }
}
SEARCH_SCHEMAS: dict[str, Any] = {
    "SearchResults": {
        "type": "object",
        "required": ["total", "results", "facets"],
        "properties": {
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "Matches counted; a lower bound when total_exact is false "
                "(counting stops at 1,000)",
            },
            "total_exact": {
                "type": "boolean",
                "description": "False when there are more matches than total; the facet "
                "counts are then over the first total matches",
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "lookup": {"enum": ["receipt", "repeal", None]},
            "message": {
                "type": ["string", "null"],
                "description": "Why nothing was searched (empty, too long, only particles)",
            },
            "degraded": {
                "type": "boolean",
                "description": "The index is being rebuilt; results came from the database",
            },
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "receipt_no",
                        "repeal_no",
                        "title",
                        "snippet",
                        "sector",
                        "stage",
                        "state",
                    ],
                    "properties": {
                        "receipt_no": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6}$"},
                        "repeal_no": {"type": ["integer", "null"], "minimum": 1},
                        "title": {"type": "string"},
                        "snippet": {
                            "type": "string",
                            "description": "HTML-escaped text, matches wrapped in <mark>",
                        },
                        "sector": {"type": ["string", "null"]},
                        "regulation_type": {"type": ["string", "null"]},
                        "stage": {"enum": ["intake", "review", "deliberation", "decision"]},
                        "state": {"type": "string"},
                        "outcome": {"type": ["string", "null"]},
                    },
                },
            },
            "facets": {
                "type": "object",
                "description": "Counts per value of sector, regulation_type, source, stage, "
                "outcome and year",
                "additionalProperties": COUNTS,
            },
        },
    }
}
