"""The meetings API described by hand as OpenAPI 3.1, served at /api/openapi.json.

Written out rather than generated, so the description says what the code means (who may call,
what is never returned) and a test keeps it in step with the registered routes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.http.schemas import SCHEMAS, Schema, json_content, nullable, obj, ref, string
from server.store.meetings import RELATIONS

Security = list[dict[str, list[str]]]

FACILITATOR: Security = [{"session": []}]
PHONE: Security = [{"participantCookie": []}, {"participantBearer": []}]
PROJECTOR: Security = [{"projectorBearer": []}]
ANYONE: Security = []

_ERRORS = {
    "400": "Invalid field (`bad_<field>`, `bad_json`, `bad_items`, `same_room`).",
    "401": "Not logged in, or the token is unknown or expired.",
    "403": "`bad_origin`: a change without an allowed Origin header.",
    "404": "Not found, or not on one of the caller's cases (the two are indistinguishable).",
    "409": "`meeting_closed`, or a conflict named in `error`.",
    "410": "`room_closed`: the meeting is closed.",
    "413": "`too_large`: the body exceeds 32 KiB.",
    "415": "`bad_content_type`: a change must be sent as application/json.",
    "423": "`room_locked`: the room takes no new people.",
    "429": "`too_many_attempts`: wait the seconds in Retry-After.",
}


def _op(
    summary: str,
    tag: str,
    security: Security,
    ok: tuple[str, str, Schema | None],
    errors: str,
    body: Schema | None = None,
    description: str | None = None,
    *,
    media: str = "application/json",
    notes: dict[str, str] | None = None,
) -> Schema:
    status, what, schema = ok
    success: Schema = {"description": what or "OK"}
    if schema is not None:
        success["content"] = {media: {"schema": schema}}
    responses: Schema = {status: success}
    codes = errors.split()
    if "415" in codes:  # whatever takes a body can be sent too large a one
        codes = sorted({*codes, "413"})
    for code in codes:
        responses[code] = {"description": (notes or {}).get(code, _ERRORS[code]), **json_content(ref("Error"))}
    operation: Schema = {"summary": summary, "tags": [tag], "security": security, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, **json_content(body)}
    if description:
        operation["description"] = description
    return operation


def _param(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": string()}


_SVG = "image/svg+xml"
_ITEMS_BODY = obj(
    ["from_room", "to_room", "items"],
    from_room=string(),
    to_room=string(),
    items={"type": "array", "minItems": 1, "maxItems": 100, "items": obj(["root", "key"], root=string(), key=string())},
    digest=string(description="The preview's digest: refuse with 409 `changed` if the items differ from it."),
)

_HISTORY = (
    "Only from the earlier room this room explicitly continues (set when the meeting was made); a room "
    "that continues none has no history, whatever the case's earlier meetings were. "
    "`meeting` is that room's meeting."
)

_CASE = [_param("case_id")]
_MEETING = [_param("meeting_id")]
_ROOM = [_param("room_id")]
_PARTICIPANT = [_param("participant_id")]
_DETAIL = ("200", "The meeting.", ref("Meeting"))
_PERSON = ("200", "The participant.", ref("Participant"))
_NAME = obj(["name"], name=string(minLength=1, maxLength=80))


_MEMBER_BODY = obj(
    ["name", "relation"],
    name=string(minLength=1, maxLength=120),
    relation=string(enum=list(RELATIONS)),
    role=string(maxLength=500),
    knows_worries={"type": "boolean"},
    contact=string(maxLength=500),
)


_LANG: Schema = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": string(enum=["nl", "en"], default="nl"),
    "description": "the language of the printed words (the board's own words stay as written)",
}
_BINARY = string(contentMediaType="application/pdf")
_GONE = {"410": "`deleted`: the meeting was deleted."}
_EXPORT_NOTE = (
    "Facilitators of the case only; audited as `export` with the format, never the content. One room "
    "only: in a split meeting nothing of the other room is in it. Holds the framework by category, "
    "danger statements with their safety goals, every scaling round (scores only once revealed, by "
    "name), the plan with owners and dates, who took part; never the facilitator's private notes."
)
_CHILDREN_NOTE = (
    "The rules agreed (agreed, being tried, working), never a sensitive one, with the first names of "
    "who helps, and space for drawings (Words and Pictures). Audited as `export`."
)
_PERSON_REF = obj(["id", "name"], id=string(), name=string(), first_name=string())
_EXPORT = obj(
    ["schema", "schema_version", "meeting", "room", "people", "framework", "danger_statements", "rounds", "plan"],
    schema=string(const="kring.room-export"),
    schema_version={"type": "integer", "const": 1},
    exported_at=string(format="date-time"),
    labels=string(description="the board's label set, e.g. nl, en, early-help-nl"),
    case=obj(["id", "label"], id=string(), label=string()),
    meeting=obj(
        ["id", "title", "status", "split"],
        id=string(),
        title=string(),
        status=string(),
        created_at=string(),
        closed_at=nullable(string()),
        deletes_after=nullable(string(description="closed_at + KRING_RETENTION_DAYS")),
        split={"type": "boolean"},
    ),
    room=obj(["id", "name"], id=string(), name=string()),
    people={"type": "array", "items": obj(["id", "name", "relation"], relation=string(), **_PERSON_REF["properties"])},
    framework={
        "type": "array",
        "description": "one entry per category, in the board's order; items with text, who raised "
        "them, `sensitive`, the pair, and everyone's marks",
        "items": obj(
            ["category", "items"],
            category=string(),
            label=string(),
            column=string(),
            items={"type": "array", "items": {"type": "object"}},
        ),
    },
    danger_statements={
        "type": "array",
        "items": obj(
            ["id", "text", "safety_goal"], id=string(), text=string(), safety_goal=nullable(obj(["id", "text"]))
        ),
    },
    rounds={
        "type": "array",
        "items": obj(
            ["id", "status", "scores"],
            id=string(),
            title=string(),
            status=string(enum=["open", "closed", "revealed"]),
            about=nullable(obj(["id", "text"])),
            scores={"type": "array", "items": {"type": "object", "description": "id, name, relation, value, why"}},
        ),
    },
    plan={
        "type": "array",
        "items": {
            "type": "object",
            "description": "id, section, text, goal, owners, claimed_by, when, check, check_by, "
            "if_not_kept, start, review, status, sensitive",
        },
    },
)
_EXPORT["properties"]["child_tools"] = {
    "type": "array",
    "description": "Three Houses entries shown in this room (visibility room or shared, so with consent): "
    "id, tool, house, text, photo (the photo's id or null), visibility, consent {band, parties, at}; "
    "facilitator-only entries are never exported",
    "items": {"type": "object"},
}
_DELETED = obj(["id", "status"], id=string(), status=string(const="deleted"))


def _paths() -> Schema:
    return {
        "/api/openapi.json": {
            "get": _op("This document", "meta", ANYONE, ("200", "OpenAPI 3.1", {"type": "object"}), "")
        },
        "/api/session": {
            "post": _op(
                "Log in",
                "session",
                ANYONE,
                ("204", "Logged in; the kring_session cookie is set.", None),
                "400 401 403 415 429",
                obj(["email", "password"], email=string(), password=string()),
                "Wrong passwords are throttled per client address with a growing back-off.",
            ),
            "delete": _op(
                "Log out", "session", FACILITATOR, ("204", "Session ended, cookie cleared.", None), "403 415"
            ),
        },
        "/api/me": {"get": _op("Who is logged in", "session", FACILITATOR, ("200", "", ref("Facilitator")), "401")},
        "/api/cases": {
            "get": _op(
                "My cases",
                "cases",
                FACILITATOR,
                ("200", "", obj(["cases"], cases={"type": "array", "items": ref("Case")})),
                "401",
            ),
            "post": _op(
                "New case",
                "cases",
                FACILITATOR,
                ("201", "", ref("Case")),
                "400 401 403 415",
                obj(["label"], label=string(description="a pseudonym, never a real name")),
            ),
        },
        "/api/cases/{case_id}": {
            "parameters": _CASE,
            "get": _op("A case", "cases", FACILITATOR, ("200", "", ref("CaseDetail")), "401 404"),
        },
        "/api/cases/{case_id}/facilitators": {
            "parameters": _CASE,
            "post": _op(
                "Add a co-facilitator",
                "cases",
                FACILITATOR,
                ("201", "", ref("Facilitator")),
                "400 401 403 404 415",
                obj(["email"], email=string()),
            ),
        },
        "/api/cases/{case_id}/meetings": {
            "parameters": _CASE,
            "post": _op(
                "New meeting",
                "meetings",
                FACILITATOR,
                ("201", "The meeting.", ref("Meeting")),
                "400 401 403 404 415",
                obj(
                    ["title"],
                    title=string(),
                    rooms={
                        "type": "array",
                        "maxItems": 8,
                        "items": {"oneOf": [string(), ref("NewRoom")]},
                        "description": "one room per entry (default: one room); names differ",
                    },
                ),
                "A room carries on an earlier room only if `continues` names it: that decides whose "
                "revealed scores (with first names) it shows beside its own. Each link is audited "
                "(`room_continues`).",
                notes={
                    "400": "`bad_title`, `bad_rooms`: a name is missing or repeated, or `continues` names no "
                    "room of an earlier meeting of this case, or two rooms name the same one."
                },
            ),
        },
        "/api/meetings/{meeting_id}": {
            "parameters": _MEETING,
            "get": _op("A meeting", "meetings", FACILITATOR, _DETAIL, "401 404"),
            "patch": _op(
                "Admit everyone who joins",
                "meetings",
                FACILITATOR,
                _DETAIL,
                "400 401 403 404 415",
                obj(["admit_all"], admit_all={"type": "boolean"}),
            ),
        },
        "/api/meetings/{meeting_id}/close": {
            "parameters": _MEETING,
            "post": _op(
                "Close the meeting: codes and tokens stop working, sockets drop",
                "meetings",
                FACILITATOR,
                _DETAIL,
                "401 403 404 410 415",
                description="Closing schedules the meeting's deletion `KRING_RETENTION_DAYS` (30) days later.",
                notes={"410": "`deleted`: the meeting was deleted."},
            ),
        },
        "/api/meetings/{meeting_id}/delete": {
            "parameters": _MEETING,
            "post": _op(
                "Delete the meeting now (closing it first)",
                "exports",
                FACILITATOR,
                ("200", "Deleted (also when it already was).", _DELETED),
                "401 403 404 415",
                description="Every room's live state (sockets kicked), update log and snapshots, participants, uploads "
                "and Redis keys go; the meeting and its rooms stay as a tombstone without title, names or "
                "content, so the audit log still reads. Audited as `delete`, without content.",
            ),
        },
        "/api/meetings/{meeting_id}/audit": {
            "parameters": _MEETING,
            "get": _op(
                "The meeting's audit log",
                "meetings",
                FACILITATOR,
                ("200", "", obj(["entries"], entries={"type": "array", "items": ref("AuditEntry")})),
                "401 404",
            ),
        },
        "/api/meetings/{meeting_id}/copy/preview": {
            "parameters": _MEETING,
            "post": _op(
                "What a copy between two rooms of this meeting would write",
                "copy",
                FACILITATOR,
                ("200", "", ref("CopyPlan")),
                "400 401 403 404 409 415",
                _ITEMS_BODY,
                "Only `framework` and `agreements` items; a sensitive item is refused, never copied.",
            ),
        },
        "/api/meetings/{meeting_id}/copy": {
            "parameters": _MEETING,
            "post": _op(
                "Copy board items between two rooms of this meeting",
                "copy",
                FACILITATOR,
                ("200", "What was written, and what was refused.", ref("CopyPlan")),
                "400 401 403 404 409 415",
                _ITEMS_BODY,
            ),
        },
        "/api/rooms/{room_id}/lock": {
            "parameters": _ROOM,
            "post": _op(
                "Lock or unlock a room",
                "rooms",
                FACILITATOR,
                ("200", "", ref("Room")),
                "400 401 403 404 409 415",
                obj(["locked"], locked={"type": "boolean"}),
            ),
        },
        "/api/rooms/{room_id}/qr.svg": {
            "parameters": _ROOM,
            "get": _op(
                "The join QR code",
                "rooms",
                FACILITATOR,
                ("200", "SVG of the join URL", string()),
                "401 404 410",
                media=_SVG,
            ),
        },
        "/api/rooms/{room_id}/projector": {
            "parameters": _ROOM,
            "post": _op(
                "A projector link for this room (retires the previous one)",
                "rooms",
                FACILITATOR,
                ("200", "", obj(["url"], url=string(description="/projector#<token>"))),
                "401 403 404 409 415",
            ),
        },
        "/api/projector/room": {
            "get": _op("The projected room", "projector", PROJECTOR, ("200", "", ref("ProjectorRoom")), "401")
        },
        "/api/projector/qr.svg": {
            "get": _op(
                "The projected room's join QR code",
                "projector",
                PROJECTOR,
                ("200", "SVG of the join URL", string()),
                "401 410 423",
                media=_SVG,
            ),
        },
        "/api/cases/{case_id}/network": {
            "parameters": _CASE,
            "get": _op(
                "The case's safety-network register (with contact details: facilitators only)",
                "network",
                FACILITATOR,
                ("200", "", {"type": "array", "items": ref("NetworkMember")}),
                "401 404",
            ),
            "post": _op(
                "Add someone to the safety-network register",
                "network",
                FACILITATOR,
                ("201", "", ref("NetworkMember")),
                "400 401 403 404 415",
                _MEMBER_BODY,
            ),
        },
        "/api/network/{member_id}": {
            "parameters": [_param("member_id")],
            "patch": _op(
                "Change a register entry",
                "network",
                FACILITATOR,
                ("200", "", ref("NetworkMember")),
                "400 401 403 404 415",
                _MEMBER_BODY,
            ),
            "delete": _op("Remove a register entry", "network", FACILITATOR, ("204", "", None), "401 403 404 415"),
        },
        "/api/projector/history": {
            "get": _op(
                "The revealed scores of the room this room continues, first names only",
                "projector",
                PROJECTOR,
                ("200", "", ref("History")),
                "401",
                description=_HISTORY,
            ),
        },
        **_child_and_progress_paths(),
        "/api/rooms/{room_id}/history": {
            "parameters": _ROOM,
            "get": _op(
                "The revealed scores of the room this room continues (full names)",
                "poll",
                FACILITATOR,
                ("200", "", ref("History")),
                "401 404",
                description=_HISTORY,
            ),
        },
        "/api/rooms/{room_id}/export.json": {
            "parameters": _ROOM,
            "get": _op(
                "This room's record as structured JSON, for another system to import",
                "exports",
                FACILITATOR,
                ("200", "An attachment (Cache-Control: no-store).", _EXPORT),
                "401 404 410",
                description=_EXPORT_NOTE,
                notes=_GONE,
            ),
        },
        "/api/rooms/{room_id}/export.pdf": {
            "parameters": [*_ROOM, _LANG],
            "get": _op(
                "This room's record as PDF (from export.html with the print stylesheet)",
                "exports",
                FACILITATOR,
                ("200", "An attachment (Cache-Control: no-store).", _BINARY),
                "401 404 410",
                description=_EXPORT_NOTE,
                media="application/pdf",
                notes=_GONE,
            ),
        },
        "/api/rooms/{room_id}/export.html": {
            "parameters": [*_ROOM, _LANG],
            "get": _op(
                "This room's record as the printable HTML the PDF is made from",
                "exports",
                FACILITATOR,
                ("200", "", string()),
                "401 404 410",
                description=_EXPORT_NOTE,
                media="text/html",
                notes=_GONE,
            ),
        },
        "/api/rooms/{room_id}/children.pdf": {
            "parameters": [*_ROOM, _LANG],
            "get": _op(
                "The children's version of the plan as PDF: plain words, large type, room to draw",
                "exports",
                FACILITATOR,
                ("200", "An attachment (Cache-Control: no-store).", _BINARY),
                "401 404 410",
                description=_CHILDREN_NOTE,
                media="application/pdf",
                notes=_GONE,
            ),
        },
        "/api/rooms/{room_id}/children.html": {
            "parameters": [*_ROOM, _LANG],
            "get": _op(
                "The children's version of the plan as printable HTML",
                "exports",
                FACILITATOR,
                ("200", "", string()),
                "401 404 410",
                description=_CHILDREN_NOTE,
                media="text/html",
                notes=_GONE,
            ),
        },
        "/api/rooms/{room_id}/rounds/{round_id}/reveal": {
            "parameters": [*_ROOM, _param("round_id")],
            "post": _op(
                "Reveal a scaling round: every admitted person's score goes onto the board at once",
                "poll",
                FACILITATOR,
                ("200", "", ref("Revealed")),
                "401 403 404 409 415",
                description="Before this, a score exists only in its owner's own document (p.<id>), "
                "which no other phone and no projector receives.",
            ),
        },
        "/api/participants": {
            "post": _op(
                "Add someone without a phone (admitted at once)",
                "participants",
                FACILITATOR,
                ("201", "", ref("Participant")),
                "400 401 403 404 409 415",
                obj(
                    ["room_id", "name", "relation"],
                    room_id=string(),
                    name=string(minLength=1, maxLength=80),
                    relation=string(enum=list(RELATIONS)),
                ),
            ),
        },
        "/api/participants/{participant_id}/admit": {
            "parameters": _PARTICIPANT,
            "post": _op("Admit", "participants", FACILITATOR, _PERSON, "401 403 404 409 415"),
        },
        "/api/participants/{participant_id}/rename": {
            "parameters": _PARTICIPANT,
            "post": _op("Rename", "participants", FACILITATOR, _PERSON, "400 401 403 404 409 415", _NAME),
        },
        "/api/participants/{participant_id}/remove": {
            "parameters": _PARTICIPANT,
            "post": _op(
                "Remove: the token stops working and sockets drop",
                "participants",
                FACILITATOR,
                _PERSON,
                "401 403 404 415",
            ),
        },
        "/api/join": {
            "post": _op(
                "Join a room with its code",
                "joining",
                ANYONE,
                ("201", "Joined; the kring_participant cookie is set.", ref("JoinResult")),
                "400 403 404 410 415 423 429",
                obj(
                    ["code", "name", "relation"],
                    code=string(description="8 digits; spaces and dashes are ignored"),
                    name=string(minLength=1, maxLength=80),
                    relation=string(enum=list(RELATIONS)),
                ),
                "Wrong codes are throttled per client address with a growing back-off; while blocked, "
                "every code is refused. The answer names no room, no person and no content.",
            ),
            "delete": _op(
                "Leave: the token ends, the cookie is cleared", "joining", PHONE, ("204", "", None), "403 415"
            ),
        },
        "/api/join/status": {
            "get": _op(
                "A phone's admission status (keeps its token alive)",
                "joining",
                PHONE,
                ("200", "", ref("JoinStatus")),
                "401 403 410",
                notes={"403": "`removed`: the facilitator removed this person."},
            ),
        },
        "/j/{code}": {
            "parameters": [_param("code")],
            "get": {
                "summary": "The URL in the QR code: redirects to the join page",
                "tags": ["joining"],
                "security": ANYONE,
                "responses": {"303": {"description": "Location: /join?code=<code>"}},
            },
        },
    }


def document(public_url: str) -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kring meetings API",
            "version": "1",
            "description": "Errors are {error, message}. Changes need Content-Type: application/json and, "
            "unless authenticated by a Bearer token, an Origin header of this server.",
        },
        "servers": [{"url": public_url.rstrip("/")}],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "kring_session"},
                "participantCookie": {"type": "apiKey", "in": "cookie", "name": "kring_participant"},
                "participantBearer": {"type": "http", "scheme": "bearer"},
                "projectorBearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }


class OpenApiEndpoint:
    def __init__(self, public_url: str) -> None:
        self.document = document(public_url)

    async def serve(self, _request: Request) -> Response:
        return JSONResponse(self.document)


_IMAGES = ("image/jpeg", "image/png")


def _child_and_progress_paths() -> Schema:
    """Child tools, photos of drawings, and a room's progress over its line of meetings."""
    entry = [*_ROOM, _param("entry_id")]
    return {
        "/api/rooms/{room_id}/childtools": {
            "parameters": _ROOM,
            "post": _op(
                "Add a Three Houses entry: the child's words and/or a photo, with its visibility and consent",
                "childtools",
                FACILITATOR,
                ("201", "", ref("ChildEntryResult")),
                "400 401 403 404 409 415",
                ref("ChildEntry"),
                description="`private` entries go into the facilitator-only document, which no phone or "
                "projector receives; `room` and `shared` ones onto the room's board. Leaving `private` needs "
                "`consent` (`consent_required`), given by whom the age band says (`consent_incomplete`).",
            ),
        },
        "/api/rooms/{room_id}/childtools/{entry_id}": {
            "parameters": entry,
            "patch": _op(
                "Change an entry's visibility, consent or words (it moves between the documents)",
                "childtools",
                FACILITATOR,
                ("200", "", ref("ChildEntryResult")),
                "400 401 403 404 409 415",
                obj([], text=string(maxLength=2000), visibility=ref("ChildVisibility"), consent=ref("Consent")),
            ),
            "delete": _op(
                "Remove an entry (and its photo, if no other entry of the room shows it)",
                "childtools",
                FACILITATOR,
                ("204", "Removed.", None),
                "401 403 404 415",
            ),
        },
        "/api/rooms/{room_id}/photos": {
            "parameters": _ROOM,
            "post": {
                **_op(
                    "Upload a photo of a drawing: the body is the image (image/jpeg or image/png, at most 8 MB)",
                    "childtools",
                    FACILITATOR,
                    ("201", "", obj(["photo"], photo=string())),
                    "400 401 403 404 409 413",
                    description="Re-encoded from its pixels: EXIF, GPS, comments and every other metadata "
                    "are dropped. Stored under the var dir in uploads/<room_id>/.",
                ),
                "requestBody": {
                    "required": True,
                    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _IMAGES},
                },
            },
        },
        "/api/rooms/{room_id}/photos/{photo_id}": {
            "parameters": [*_ROOM, _param("photo_id")],
            "get": _op(
                "A photo: to the case's facilitators; to the room's phones and projector only if on its board",
                "childtools",
                [*FACILITATOR, *PHONE, *PROJECTOR],
                ("200", "The image, Cache-Control: no-store.", {"type": "string", "format": "binary"}),
                "401 404 409",
                media="image/jpeg",
            ),
        },
        "/api/rooms/{room_id}/progress": {
            "parameters": _ROOM,
            "get": _op(
                "Each person's and role's scores and each rule's status across the room's line of meetings",
                "poll",
                FACILITATOR,
                ("200", "", ref("Progress")),
                "401 404",
                description="The line is this room and the rooms it continues, one link at a time "
                "(`continues`), oldest first: in a split case one parent's line never includes the other's.",
            ),
        },
    }
