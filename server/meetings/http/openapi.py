"""The meetings API as OpenAPI 3.1, served at /api/openapi.json.

The per-route words are written here by hand (who may call, what is never returned, which errors);
every body and answer refers to its type's schema, generated from the type the handler validates
with or builds (server.meetings.http.components). A test keeps the paths in step with the registered
routes, and the API tests check every real answer against this document.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.http import bodies
from server.meetings.http.components import Schema, ref, request_body, schemas
from server.meetings.render import answers

Security = list[dict[str, list[str]]]

FACILITATOR: Security = [{"session": []}]
# The same session cookie; the route names the role it needs (server.meetings.http.session.with_role).
ADMIN: Security = [{"session": []}]
PHONE: Security = [{"participantCookie": []}, {"participantBearer": []}]
PROJECTOR: Security = [{"projectorBearer": []}]
PLAN_LINK: Security = [{"planCookie": []}]
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
_ROLE_403 = "`not_allowed`: signed in without the role this route needs; `bad_origin`: a change from elsewhere."


_STRING: Schema = {"type": "string"}


def _op(
    summary: str,
    tag: str,
    security: Security,
    ok: tuple[str, str, Schema | None],
    errors: str,
    body: type[bodies.Body] | None = None,
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
    session = FACILITATOR[0] in security
    if session and "401" in codes:  # a signed-in person without the route's role
        codes = sorted({*codes, "403"})
    for code in codes:
        default = _ROLE_403 if code == "403" and session else _ERRORS[code]
        responses[code] = {"description": (notes or {}).get(code, default), **_json(ref(answers.Error))}
    operation: Schema = {"summary": summary, "tags": [tag], "security": security, "responses": responses}
    if body is not None:
        operation["requestBody"] = request_body(body)
    if description:
        operation["description"] = description
    return operation


def _param(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": _STRING}


def _json(schema: Schema) -> Schema:
    return {"content": {"application/json": {"schema": schema}}}


_SVG = "image/svg+xml"
_HISTORY = (
    "Only from the earlier room this room explicitly continues (set when the meeting was made); a room "
    "that continues none has no history, whatever the case's earlier meetings were. "
    "`meeting` is that room's meeting."
)

_CASE = [_param("case_id")]
_MEETING = [_param("meeting_id")]
_ROOM = [_param("room_id")]
_PARTICIPANT = [_param("participant_id")]
_DETAIL = ("200", "The meeting.", ref(answers.Meeting))
_PERSON = ("200", "The participant.", ref(answers.Participant))


_LANG: Schema = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["nl", "en"], "default": "nl"},
    "description": "the language of the printed words (the board's own words stay as written)",
}
_BINARY: Schema = {"type": "string", "contentMediaType": "application/pdf"}
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


def _log_out() -> Schema:
    operation = _op(
        "Log out",
        "session",
        FACILITATOR,
        ("204", "Session ended, cookie cleared.", None),
        "403 415",
        description="A session opened through single sign-on answers 200 instead when the provider ends its "
        "own sessions too: the browser goes on to `redirect` (docs/deploy.md, Single sign-on).",
    )
    operation["responses"]["200"] = {
        "description": "Session ended; now end it at the provider.",
        **_json(ref(answers.SignedOut)),
    }
    return operation


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
                bodies.Login,
                "Wrong passwords are throttled per client address with a growing back-off.",
                notes={"403": "`bad_origin`, or `password_login_off`: only single sign-on is allowed here."},
            ),
            "delete": _log_out(),
        },
        "/api/me": {"get": _op("Who is logged in", "session", FACILITATOR, ("200", "", ref(answers.Me)), "401")},
        "/api/cases": {
            "get": _op(
                "My cases",
                "cases",
                FACILITATOR,
                ("200", "", ref(answers.Cases)),
                "401",
            ),
            "post": _op(
                "New case",
                "cases",
                FACILITATOR,
                ("201", "", ref(answers.Case)),
                "400 401 403 415",
                bodies.NewCase,
            ),
        },
        "/api/reviews": {
            "get": _op(
                "Due and overdue reviews of the plans of my cases",
                "cases",
                FACILITATOR,
                ("200", "", ref(answers.Reviews)),
                "401",
                description="Per case the facilitator runs or co-facilitates: the agreed rules whose review date "
                "(an immediate rule without one: seven days after its meeting) is past (`overdue`) or within "
                "two days (`due`), of the rooms no follow-up continues. Days are in KRING_TIME_ZONE.",
            ),
        },
        "/api/cases/{case_id}": {
            "parameters": _CASE,
            "get": _op("A case", "cases", FACILITATOR, ("200", "", ref(answers.CaseDetail)), "401 404"),
        },
        "/api/cases/{case_id}/facilitators": {
            "parameters": _CASE,
            "post": _op(
                "Add a co-facilitator",
                "cases",
                FACILITATOR,
                ("201", "", ref(answers.Facilitator)),
                "400 401 403 404 415",
                bodies.NewCofacilitator,
            ),
        },
        "/api/cases/{case_id}/meetings": {
            "parameters": _CASE,
            "post": _op(
                "New meeting",
                "meetings",
                FACILITATOR,
                ("201", "The meeting.", ref(answers.Meeting)),
                "400 401 403 404 415",
                bodies.NewMeeting,
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
                bodies.MeetingChange,
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
                ("200", "Deleted (also when it already was).", ref(answers.Deleted)),
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
                ("200", "", ref(answers.AuditLog)),
                "401 404",
            ),
        },
        "/api/meetings/{meeting_id}/copy/preview": {
            "parameters": _MEETING,
            "post": _op(
                "What a copy between two rooms of this meeting would write",
                "copy",
                FACILITATOR,
                ("200", "", ref(answers.CopyPlan)),
                "400 401 403 404 409 415",
                bodies.Copy,
                "Only `framework` and `agreements` items; a sensitive item is refused, never copied.",
            ),
        },
        "/api/meetings/{meeting_id}/copy": {
            "parameters": _MEETING,
            "post": _op(
                "Copy board items between two rooms of this meeting",
                "copy",
                FACILITATOR,
                ("200", "What was written, and what was refused.", ref(answers.CopyPlan)),
                "400 401 403 404 409 415",
                bodies.Copy,
            ),
        },
        "/api/rooms/{room_id}/lock": {
            "parameters": _ROOM,
            "post": _op(
                "Lock or unlock a room",
                "rooms",
                FACILITATOR,
                ("200", "", ref(answers.Room)),
                "400 401 403 404 409 415",
                bodies.Lock,
            ),
        },
        "/api/rooms/{room_id}/qr.svg": {
            "parameters": _ROOM,
            "get": _op(
                "The join QR code",
                "rooms",
                FACILITATOR,
                ("200", "SVG of the join URL", _STRING),
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
                ("200", "", ref(answers.ProjectorLink)),
                "401 403 404 409 415",
            ),
        },
        "/api/projector/room": {
            "get": _op("The projected room", "projector", PROJECTOR, ("200", "", ref(answers.ProjectorRoom)), "401")
        },
        "/api/projector/qr.svg": {
            "get": _op(
                "The projected room's join QR code",
                "projector",
                PROJECTOR,
                ("200", "SVG of the join URL", _STRING),
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
                ("200", "", {"type": "array", "items": ref(answers.NetworkMember)}),
                "401 404",
            ),
            "post": _op(
                "Add someone to the safety-network register",
                "network",
                FACILITATOR,
                ("201", "", ref(answers.NetworkMember)),
                "400 401 403 404 415",
                bodies.NewMember,
            ),
        },
        "/api/network/{member_id}": {
            "parameters": [_param("member_id")],
            "patch": _op(
                "Change a register entry",
                "network",
                FACILITATOR,
                ("200", "", ref(answers.NetworkMember)),
                "400 401 403 404 415",
                bodies.MemberChange,
            ),
            "delete": _op("Remove a register entry", "network", FACILITATOR, ("204", "", None), "401 403 404 415"),
        },
        "/api/projector/history": {
            "get": _op(
                "The revealed scores of the room this room continues, first names only",
                "projector",
                PROJECTOR,
                ("200", "", ref(answers.History)),
                "401",
                description=_HISTORY,
            ),
        },
        **_child_and_progress_paths(),
        **_between_meetings_paths(),
        **_privacy_paths(),
        **_account_paths(),
        **_accounts_paths(),
        "/api/rooms/{room_id}/history": {
            "parameters": _ROOM,
            "get": _op(
                "The revealed scores of the room this room continues (full names)",
                "poll",
                FACILITATOR,
                ("200", "", ref(answers.History)),
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
                ("200", "An attachment (Cache-Control: no-store).", ref(answers.RoomExport)),
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
                ("200", "", _STRING),
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
                ("200", "", _STRING),
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
                ("200", "", ref(answers.Revealed)),
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
                ("201", "", ref(answers.Participant)),
                "400 401 403 404 409 415",
                bodies.NewParticipant,
            ),
        },
        "/api/participants/{participant_id}/admit": {
            "parameters": _PARTICIPANT,
            "post": _op("Admit", "participants", FACILITATOR, _PERSON, "401 403 404 409 415"),
        },
        "/api/participants/{participant_id}/rename": {
            "parameters": _PARTICIPANT,
            "post": _op("Rename", "participants", FACILITATOR, _PERSON, "400 401 403 404 409 415", bodies.Rename),
        },
        "/api/participants/{participant_id}/view": {
            "parameters": _PARTICIPANT,
            "post": _op(
                "A child's view: the child view or the full board (16+); the phone reconnects to it",
                "participants",
                FACILITATOR,
                _PERSON,
                "400 401 403 404 409 415",
                bodies.ChildView,
            ),
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
        "/api/participants/{participant_id}/photo": {
            "parameters": _PARTICIPANT,
            "put": {
                **_op(
                    "Add (or replace) a safety person's photo for the children's version, with their consent",
                    "participants",
                    FACILITATOR,
                    _PERSON,
                    "400 401 403 404 409 413 415",
                    description="The body is the image (image/jpeg or image/png, at most 8 MB), re-encoded from "
                    "its pixels (no EXIF, GPS or other metadata) and kept under uploads/<room_id>/people/. "
                    "`consent=given` says the person agreed; without it 400 `consent_required`. 409 "
                    "`not_a_safety_person`: a child, or someone not in the room.",
                    notes={
                        "413": "`photo_too_large`: more than 8 MB or 60 megapixels.",
                        "415": "`bad_photo`: neither image/jpeg nor image/png, or not readable as one.",
                    },
                ),
                "parameters": [
                    {
                        "name": "consent",
                        "in": "query",
                        "required": True,
                        "description": "the person's consent to a photo in the children's version",
                        "schema": {"type": "string", "enum": ["given"]},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _IMAGES},
                },
            },
            "get": _photo(
                _op(
                    "A safety person's photo: to the case's facilitators only (never a phone, the wall or a link)",
                    "participants",
                    FACILITATOR,
                    ("200", "The image, Cache-Control: no-store.", None),
                    "401 404",
                )
            ),
            "delete": _op(
                "Take the photo away, or the consent back: the file is deleted",
                "participants",
                FACILITATOR,
                ("204", "Deleted (also when there was none).", None),
                "401 403 404 415",
            ),
        },
        "/api/participants/{participant_id}/safety-person": {
            "parameters": _PARTICIPANT,
            "put": _op(
                "Whether someone is one of the children's safety people: auto (carries a rule), yes or no",
                "participants",
                FACILITATOR,
                _PERSON,
                "400 401 403 404 409 415",
                bodies.SafetyPersonChoice,
            ),
        },
        "/api/join": {
            "post": _op(
                "Join a room with its code",
                "joining",
                ANYONE,
                ("201", "Joined; the kring_participant cookie is set.", ref(answers.JoinResult)),
                "400 403 404 410 415 423 429",
                bodies.Join,
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
                ("200", "", ref(answers.JoinStatus)),
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
            "schemas": schemas(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "kring_session"},
                "participantCookie": {"type": "apiKey", "in": "cookie", "name": "kring_participant"},
                "participantBearer": {"type": "http", "scheme": "bearer"},
                "projectorBearer": {"type": "http", "scheme": "bearer"},
                "planCookie": {"type": "apiKey", "in": "cookie", "name": "kring_plan"},
            },
        },
    }


class OpenApiEndpoint:
    def __init__(self, public_url: str) -> None:
        self.document = document(public_url)

    async def serve(self, _request: Request) -> Response:
        return JSONResponse(self.document)


_IMAGES = ("image/jpeg", "image/png")


def _photo(operation: Schema) -> Schema:
    """A photo is served as it was stored: JPEG or PNG."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    operation["responses"]["200"]["content"] = {t: binary for t in _IMAGES}
    return operation


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
                ("201", "", ref(answers.ChildEntryResult)),
                "400 401 403 404 409 415",
                bodies.NewChildEntry,
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
                ("200", "", ref(answers.ChildEntryResult)),
                "400 401 403 404 409 415",
                bodies.ChildEntryChange,
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
                    ("201", "", ref(answers.PhotoUploaded)),
                    "400 401 403 404 409 413 415",
                    description="Re-encoded from its pixels: EXIF, GPS, comments and every other metadata "
                    "are dropped. Stored under the var dir in uploads/<room_id>/.",
                    notes={
                        "413": "`photo_too_large`: more than 8 MB or 60 megapixels.",
                        "415": "`bad_photo`: neither image/jpeg nor image/png.",
                    },
                ),
                "requestBody": {
                    "required": True,
                    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _IMAGES},
                },
            },
        },
        "/api/rooms/{room_id}/photos/{photo_id}": {
            "parameters": [*_ROOM, _param("photo_id")],
            "get": _photo(
                _op(
                    "A photo: to the case's facilitators; to the room's phones and projector only if on its board",
                    "childtools",
                    [*FACILITATOR, *PHONE, *PROJECTOR],
                    ("200", "The image, Cache-Control: no-store.", None),
                    "401 404 409",
                )
            ),
        },
        "/api/rooms/{room_id}/progress": {
            "parameters": _ROOM,
            "get": _op(
                "Each person's and role's scores and each rule's status across the room's line of meetings",
                "poll",
                FACILITATOR,
                ("200", "", ref(answers.Progress)),
                "401 404",
                description="The line is this room and the rooms it continues, one link at a time "
                "(`continues`), oldest first: in a split case one parent's line never includes the other's.",
            ),
        },
        "/api/rooms/{room_id}/progress/point": {
            "parameters": _ROOM,
            "put": _op(
                "Pick which revealed round is this room's meeting's point on a question of the progress chart",
                "poll",
                FACILITATOR,
                ("200", "", ref(answers.ProgressPointChosen)),
                "400 401 404 415",
                bodies.ProgressPick,
                description="Kept in the room's board (`meta.points`, written by the server), also once the "
                "meeting is closed; `round_id` null goes back to the last revealed round about the question. "
                "404 `unknown_round`: no revealed round of this room about that question.",
            ),
        },
    }


_LINK_ENDED = {"401": "`link_ended`: no link, or it was revoked, ended or its meeting deleted."}


def _between_meetings_paths() -> Schema:
    """The network's personal links to their room's plan, and the safety journal."""
    return {
        "/api/rooms/{room_id}/journal": {
            "parameters": _ROOM,
            "get": _op(
                "The room's links, who may get one, and the safety journal per rule with a week's summary",
                "journal",
                FACILITATOR,
                ("200", "", ref(answers.Journal)),
                "401 404 410",
            ),
        },
        "/api/rooms/{room_id}/call-network": {
            "parameters": _ROOM,
            "post": _op(
                "Call the network together: the follow-up meeting with the journal's week on its board",
                "journal",
                FACILITATOR,
                ("201", "", ref(answers.Meeting)),
                "400 401 403 404 409 410 415",
                bodies.CallNetwork,
                description="The follow-up continues this room (framework and plan carried over); each rule"
                " that did not hold this week becomes a complicating factor, the rules that held one item of"
                " existing safety: the rule's words and counts only, never who reported or a note. Audited"
                " (`network_called`).",
            ),
        },
        "/api/rooms/{room_id}/links": {
            "parameters": _ROOM,
            "post": _op(
                "A personal link for a person of this room (their earlier link ends)",
                "journal",
                FACILITATOR,
                ("201", "", ref(answers.PlanLinkMade)),
                "400 401 403 404 410 415",
                bodies.NewPlanLink,
                description="The URL is answered once; only the token's hash is kept. Audited (`plan_link_made`).",
            ),
        },
        "/api/rooms/{room_id}/links/end": {
            "parameters": _ROOM,
            "post": _op(
                "The plan is closed: every link of the room ends",
                "journal",
                FACILITATOR,
                ("204", "", None),
                "401 403 404 410 415",
            ),
        },
        "/api/links/{link_id}/revoke": {
            "parameters": [_param("link_id")],
            "post": _op("Revoke one link", "journal", FACILITATOR, ("204", "", None), "401 403 404 415"),
        },
        "/api/plan": {
            "get": _op(
                "The link's room's agreed plan (first names; nothing sensitive or facilitator-only) and "
                "the holder's own reports",
                "journal",
                PLAN_LINK,
                ("200", "", ref(answers.PlanPage)),
                "401 429",
                notes=_LINK_ENDED,
            ),
            "delete": _op("This browser forgets the link", "journal", ANYONE, ("204", "", None), "403 415"),
        },
        "/api/plan/reports": {
            "post": _op(
                "Report on a rule of the plan: held, not held or not sure, with a short note and its day",
                "journal",
                PLAN_LINK,
                ("201", "", ref(answers.MyReport)),
                "400 401 403 404 415 429",
                bodies.NewReport,
                notes={**_LINK_ENDED, "404": "`unknown_rule`: not a rule of this link's plan."},
            ),
        },
        "/api/sso": {
            "get": _op(
                "What the log-in page offers",
                "session",
                ANYONE,
                ("200", "Single sign-on configured, and whether the password form works.", ref(answers.SsoOffer)),
                "",
            )
        },
        "/auth/oidc/login": {
            "get": {
                "summary": "Sign in with the organisation: redirects to its OpenID Connect provider",
                "tags": ["session"],
                "security": ANYONE,
                "parameters": [{"name": "next", "in": "query", "required": False, "schema": _STRING}],
                "responses": {
                    "303": {
                        "description": "Location: the provider's authorization endpoint, or /login?sso=unavailable"
                    },
                    "404": {"description": "`sso_off`: single sign-on is not configured.", **_json(ref(answers.Error))},
                },
            },
        },
        "/auth/oidc/callback": {
            "get": {
                "summary": "Where the provider sends the browser back; opens the session",
                "tags": ["session"],
                "security": ANYONE,
                "responses": {
                    "200": {
                        "description": "Signed in: a page that moves on to `next` (the session cookie is set).",
                        "content": {"text/html": {"schema": _STRING}},
                    },
                    "303": {"description": "Location: /login?sso=failed or /login?sso=refused"},
                    "404": {"description": "`sso_off`: single sign-on is not configured.", **_json(ref(answers.Error))},
                },
            },
        },
        "/l/{token}": {
            "parameters": [_param("token")],
            "get": {
                "summary": "A network member's link: sets the plan cookie and redirects to /plan",
                "tags": ["journal"],
                "security": ANYONE,
                "responses": {"303": {"description": "Location: /plan"}},
            },
        },
    }


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_DAY: Schema = {"type": "string", "format": "date"}
_PAGE = [
    _query("before", {"type": "integer", "minimum": 0}, "the `next_before` of the previous page"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "entries per page"),
]
_FILTERS = [
    _query("person", {"type": "integer"}, "an account's id: what that account did"),
    _query("case", _STRING, "a case's id: what was done to it, its meetings and rooms"),
    _query("from", _DAY, "the first day (the organisation's time zone)"),
    _query("to", _DAY, "the last day, included"),
    _query("action", _STRING, "one action, e.g. `export` or `delete`"),
]
_OFFICER_ONLY = {"403": "`not_allowed`: not a privacy officer."}
_READ_AUDITED = (
    "Privacy officers only. Ids, accounts, times and addresses; never a case's label, a title, a name "
    "or a text. The read is itself audited (`audit_read`, with the kinds of filter used, not their values)."
)


def _privacy_paths() -> Schema:
    """The privacy officer's view (/privacy)."""
    return {
        "/api/privacy/audit": {
            "parameters": [*_FILTERS, *_PAGE],
            "get": _op(
                "The audit log: who did what to which case, meeting or room, when, from where",
                "privacy",
                FACILITATOR,
                ("200", "", ref(answers.AuditPage)),
                "400 401 403",
                description=_READ_AUDITED,
                notes=_OFFICER_ONLY,
            ),
        },
        "/api/privacy/audit.csv": {
            "parameters": _FILTERS,
            "get": _op(
                "The audit log as CSV (every matching entry, newest first, up to 100,000)",
                "privacy",
                FACILITATOR,
                ("200", "UTF-8 with a byte-order mark; a cell starting with = + - @ gets a leading '.", _STRING),
                "400 401 403",
                description=_READ_AUDITED,
                media="text/csv",
                notes=_OFFICER_ONLY,
            ),
        },
        "/api/privacy/accounts": {
            "get": _op(
                "Every account with its roles",
                "privacy",
                FACILITATOR,
                ("200", "", ref(answers.OfficerAccounts)),
                "401 403",
                description=_READ_AUDITED,
                notes=_OFFICER_ONLY,
            ),
        },
        "/api/privacy/cases/{case_id}/access": {
            "parameters": _CASE,
            "get": _op(
                "The accounts that may open a case, and why (facilitator, co-facilitator, team lead or member)",
                "privacy",
                FACILITATOR,
                ("200", "", ref(answers.CaseAccess)),
                "401 403 404",
                description=_READ_AUDITED,
                notes=_OFFICER_ONLY,
            ),
        },
        "/api/privacy/deletions": {
            "parameters": _PAGE,
            "get": _op(
                "Meetings closed and when retention deletes them; the deletions done",
                "privacy",
                FACILITATOR,
                ("200", "", ref(answers.Deletions)),
                "400 401 403",
                description=_READ_AUDITED + " `before`/`limit` page the deletions done.",
                notes=_OFFICER_ONLY,
            ),
        },
    }


_ANY_STAGE = "Any session, also one still at its second factor or enrolment."
_ENROL = "A password account's session, fully signed in or at stage `enrol` (the only routes that stage opens)."
_STAGE = {"403": "`wrong_stage`: the session is not at a stage this route serves.", "401": "Not logged in."}
_CODES = "Wrong codes are throttled per client address and per person with a growing back-off."


def _account_paths() -> Schema:
    """Invitations and resets (administrators), the one-time link, and the second factor."""
    admin = {"403": "`not_allowed`: administrators only; `bad_origin`: a change from another site."}
    link = {"401": "`link_ended`: unknown, used, replaced or expired."}
    return {
        "/api/admin/invites": {
            "post": _op(
                "Invite someone: a facilitator account (inactive until a password is set) and a one-time link",
                "accounts",
                FACILITATOR,
                ("201", "", ref(answers.AccountLink)),
                "400 401 403 409 415",
                bodies.NewInvite,
                description="The link is e-mailed where SMTP is set up (`mailed`), else answered to copy; it works "
                "once, for 72 hours, and only its hash is kept. Audited (`account_invited`).",
                notes={**admin, "409": "`account_exists`: this address has an account."},
            ),
        },
        "/api/admin/accounts/{facilitator_id}/reset": {
            "parameters": [_param("facilitator_id")],
            "post": _op(
                "Reset a password: a new one-time link (24 hours); the person's sessions end",
                "accounts",
                FACILITATOR,
                ("200", "", ref(answers.AccountLink)),
                "400 401 403 404 415",
                bodies.AccountReset,
                description="Earlier links of the person end. With `second_factor` the person also enrols "
                "again. Audited (`account_reset`).",
                notes=admin,
            ),
        },
        "/api/account/link": {
            "post": _op(
                "What a one-time link is for (the page shows whose account before a password is set)",
                "accounts",
                ANYONE,
                ("200", "", ref(answers.LinkInfo)),
                "400 401 403 415 429",
                bodies.LinkToken,
                notes=link,
            ),
        },
        "/api/account/password": {
            "post": _op(
                "Set a password through a one-time link, and sign in",
                "accounts",
                ANYONE,
                ("200", "The new session's state; the kring_session cookie is set.", ref(answers.AccountState)),
                "400 401 403 415 429",
                bodies.NewPassword,
                description="The link is used up and every other session of the person ends. The new session "
                "starts at `enrol` where the operator requires a second factor, at `second_factor` if the "
                "person has one.",
                notes={**link, "400": "`weak_password`: fewer than 10 characters."},
            ),
        },
        "/api/account": {
            "get": _op(
                "How far this session is signed in",
                "accounts",
                FACILITATOR,
                ("200", _ANY_STAGE, ref(answers.AccountState)),
                "401",
            ),
        },
        "/api/account/totp": {
            "post": _op(
                "Begin TOTP enrolment: a new secret (replacing one not yet confirmed)",
                "accounts",
                FACILITATOR,
                ("200", _ENROL, ref(answers.TotpBegun)),
                "401 403 409 415",
                notes={**_STAGE, "409": "`already_enrolled`: the second factor is on already."},
            ),
        },
        "/api/account/totp/qr.svg": {
            "get": _op(
                "The pending secret as a QR code for an authenticator app (drawn here, no third party)",
                "accounts",
                FACILITATOR,
                ("200", _ENROL, {"type": "string"}),
                "401 403 404",
                media=_SVG,
                notes={**_STAGE, "404": "No enrolment begun."},
            ),
        },
        "/api/account/totp/confirm": {
            "post": _op(
                "Confirm enrolment with a code: the second factor is on, the session signed in",
                "accounts",
                FACILITATOR,
                ("200", "Recovery codes, answered this once.", ref(answers.RecoveryCodes)),
                "400 401 403 415 429",
                bodies.SecondFactorCode,
                description=_CODES,
                notes={**_STAGE, "401": "`bad_code`, or not logged in."},
            ),
        },
        "/api/session/second-factor": {
            "post": _op(
                "The second step of a password login: a TOTP code or an unused recovery code",
                "session",
                FACILITATOR,
                ("204", "Signed in.", None),
                "400 401 403 415 429",
                bodies.SecondFactorCode,
                description=_CODES + " A recovery code works once.",
                notes={**_STAGE, "401": "`bad_code`, or not logged in."},
            ),
        },
    }


_ADMIN_403 = {"403": "`not_allowed`: the administrator role is needed; `bad_origin` for a change from elsewhere."}


def _accounts_paths() -> Schema:
    """The administrators' accounts and teams (role `admin`), and a team lead's hand-over of a case."""
    account = [_param("account_id")]
    team = [_param("team_id")]
    return {
        "/api/admin/accounts": {
            "get": _op(
                "Every account with its roles, teams, last sign-in and whether it is active",
                "admin",
                ADMIN,
                ("200", "", ref(answers.Accounts)),
                "401 403",
                description="Administrators only; audited (`accounts_list`). No case, no password, no secret.",
                notes=_ADMIN_403,
            ),
        },
        "/api/admin/accounts/{account_id}/roles": {
            "parameters": account,
            "post": _op(
                "Grant or revoke a role",
                "admin",
                ADMIN,
                ("200", "The account.", ref(answers.Account)),
                "400 401 403 404 409 415",
                bodies.RoleChange,
                "Audited (`role_grant`, `role_revoke`). Revoking `facilitator` closes the person's open consoles.",
                notes={**_ADMIN_403, "409": "`own_admin`: an administrator cannot revoke their own admin role."},
            ),
        },
        "/api/admin/accounts/{account_id}/active": {
            "parameters": account,
            "post": _op(
                "Deactivate or reactivate an account",
                "admin",
                ADMIN,
                ("200", "The account.", ref(answers.Account)),
                "400 401 403 404 409 415",
                bodies.ActiveChange,
                "Deactivating ends every session of the person and closes their live sockets at once (in "
                "every process; the periodic revalidation catches any the relay missed). Their cases stay "
                "with their team and co-facilitators. Audited (`account_deactivate`, `account_reactivate`).",
                notes={**_ADMIN_403, "409": "`own_account`: an administrator cannot deactivate themselves."},
            ),
        },
        "/api/admin/teams": {
            "get": _op("Every team with its members", "admin", ADMIN, ("200", "", ref(answers.Teams)), "401 403"),
            "post": _op(
                "New team",
                "admin",
                ADMIN,
                ("201", "", ref(answers.Team)),
                "400 401 403 409 415",
                bodies.TeamName,
                "Audited (`team_create`).",
                notes={**_ADMIN_403, "409": "`team_exists`: a team of that name exists."},
            ),
        },
        "/api/admin/teams/{team_id}": {
            "parameters": team,
            "patch": _op(
                "Rename a team",
                "admin",
                ADMIN,
                ("200", "", ref(answers.Team)),
                "400 401 403 404 409 415",
                bodies.TeamName,
                "Audited (`team_rename`).",
                notes={**_ADMIN_403, "409": "`team_exists`: a team of that name exists."},
            ),
        },
        "/api/admin/teams/{team_id}/members": {
            "parameters": team,
            "post": _op(
                "Add a person to a team or take them off it",
                "admin",
                ADMIN,
                ("200", "", ref(answers.Team)),
                "400 401 403 404 415",
                bodies.TeamMembership,
                "Members see the team's cases. Taken off, their open consoles on cases they no longer reach "
                "close. Audited (`team_member_add`, `team_member_remove`).",
                notes=_ADMIN_403,
            ),
        },
        "/api/cases/{case_id}/move": {
            "parameters": _CASE,
            "post": _op(
                "Hand a case of the lead's team to another team or facilitator",
                "cases",
                FACILITATOR,
                ("200", "The case.", ref(answers.Case)),
                "400 401 403 404 415",
                bodies.CaseMove,
                "Team leads (roles `team_lead` and `facilitator`) of the case's team. A facilitator taking it "
                "over replaces whoever ran it; the team's members keep seeing it. Whoever no longer reaches "
                "the case loses its open consoles. Audited (`case_move`), never content.",
                notes={"403": "`not_allowed` (not a team lead), `not_your_team`, or `bad_origin`."},
            ),
        },
        "/api/cases/{case_id}/move-options": {
            "parameters": _CASE,
            "get": _op(
                "Where a team lead may hand a case",
                "cases",
                FACILITATOR,
                ("200", "", ref(answers.MoveOptions)),
                "401 403 404",
                description="Team leads of the case's team: the other teams, and the active facilitators of the "
                "case's team (ids and names only).",
                notes={"403": "`not_allowed` (not a team lead) or `not_your_team`."},
            ),
        },
    }
