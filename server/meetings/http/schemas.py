"""JSON Schemas of what the meetings API takes and returns, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from server.store.meetings import RELATIONS

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Schema) -> Schema:
    return {"content": {"application/json": {"schema": schema}}}


def obj(required: list[str], **props: Schema) -> Schema:
    return {"type": "object", "required": required, "properties": props}


def string(**extra: Any) -> Schema:
    return {"type": "string", **extra}


def nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


SCHEMAS: Schema = {
    "Error": obj(["error", "message"], error=string(), message=string()),
    "History": obj(
        ["meeting", "rounds"],
        meeting={
            "type": ["string", "null"],
            "description": "the meeting of the room this room continues; null if it continues none",
        },
        rounds={
            "type": "array",
            "items": obj(
                ["round_id", "title", "scores"],
                round_id=string(),
                title=string(),
                pair={"type": ["string", "null"]},
                scores={
                    "type": "array",
                    "items": obj(
                        ["name", "relation", "value"],
                        name=string(),
                        relation=string(),
                        value={"type": "integer", "minimum": 0, "maximum": 10},
                    ),
                },
            ),
        },
    ),
    "ChildVisibility": string(
        enum=["private", "room", "shared"],
        description="private: facilitator only; room: this room's board; shared: may be copied to another room",
    ),
    "Consent": obj(
        ["band", "parties"],
        band=string(enum=["under_12", "12_16", "16_plus"]),
        parties={
            "type": "array",
            "items": string(enum=["parents", "child", "young_person"]),
            "description": "under 12 the parents; 12-16 the child and the parents; 16 and over the young person",
        },
    ),
    "ChildEntry": obj(
        ["house", "visibility"],
        house=string(enum=["worries", "good", "dreams"]),
        text=string(maxLength=2000, description="the child's own words"),
        photo=string(description="a photo id from POST /api/rooms/{room_id}/photos"),
        visibility=ref("ChildVisibility"),
        consent=ref("Consent"),
    ),
    "ChildEntryResult": obj(
        ["entry", "visibility", "consent"],
        entry=string(),
        visibility=ref("ChildVisibility"),
        consent={"oneOf": [{"type": "object"}, {"type": "null"}], "description": "as recorded, with who and when"},
    ),
    "Progress": obj(
        ["meetings", "people", "roles", "pairs", "rules"],
        pairs={
            "type": "array",
            "description": "the same per danger statement / safety goal pair scaled about (by the danger "
            "statement's key, kept from meeting to meeting)",
            "items": obj(
                ["pair", "title", "people", "roles"],
                pair=string(),
                title=string(),
                people={"type": "array", "items": {"type": "object"}},
                roles={"type": "array", "items": {"type": "object"}},
            ),
        },
        meetings={
            "type": "array",
            "items": obj(
                ["room_id", "meeting_id", "title", "at", "round"],
                room_id=string(),
                meeting_id=string(),
                title=string(),
                at={"type": ["string", "null"]},
                round={"type": ["string", "null"], "description": "the last revealed overall round"},
            ),
        },
        people={
            "type": "array",
            "items": obj(
                ["name", "relation", "values"],
                name=string(),
                relation=string(),
                values={"type": "array", "items": {"type": ["integer", "null"]}},
            ),
        },
        roles={
            "type": "array",
            "items": obj(
                ["relation", "values", "counts"],
                relation=string(),
                values={"type": "array", "items": {"type": ["number", "null"]}},
                counts={"type": "array", "items": {"type": "integer"}},
            ),
        },
        rules={
            "type": "array",
            "items": obj(
                ["key", "text", "section", "statuses"],
                key=string(),
                text=string(),
                section=string(),
                statuses={"type": "array", "items": {"type": ["string", "null"]}},
            ),
        },
    ),
    "NetworkMember": obj(
        ["id", "name", "relation", "role", "knows_worries", "contact"],
        id=string(),
        name=string(),
        relation=string(),
        role=string(description="their part in the safety plan"),
        knows_worries={"type": "boolean", "description": "whether they know what the worries are"},
        contact=string(description="facilitators only; never on a board"),
    ),
    "NewRoom": obj(
        ["name"],
        name=string(minLength=1, maxLength=120),
        continues=nullable(
            string(
                description="the id of a room of an earlier meeting of this case that this room carries on "
                "(the same parent's room, or the same joint room); its revealed scores are shown beside "
                "this room's. Leave out for a room that continues none."
            )
        ),
    ),
    "Revealed": obj(["round_id", "revealed"], round_id=string(), revealed={"type": "integer"}),
    "Facilitator": obj(["id", "name", "email"], id={"type": "integer"}, name=string(), email=string()),
    "Case": obj(["id", "label", "created_at"], id=string(), label=string(), created_at=string(format="date-time")),
    "CaseDetail": {
        "allOf": [
            ref("Case"),
            obj(
                ["facilitators", "meetings"],
                facilitators={"type": "array", "items": ref("Facilitator")},
                meetings={"type": "array", "items": ref("MeetingSummary")},
            ),
        ]
    },
    "MeetingSummary": obj(
        ["id", "title", "status"],
        id=string(),
        title=string(),
        status=string(enum=["open", "closed"]),
        created_at=string(format="date-time"),
        closed_at=nullable(string(format="date-time")),
    ),
    "Meeting": obj(
        ["id", "title", "status", "admit_all", "case_id", "rooms"],
        id=string(),
        title=string(),
        status=string(enum=["open", "closed"]),
        admit_all={"type": "boolean"},
        case_id=string(),
        rooms={"type": "array", "items": ref("Room")},
    ),
    "Room": obj(
        ["id", "name", "join_code", "join_url", "locked", "participants"],
        id=string(),
        name=string(),
        join_code=nullable(string(pattern="^[0-9]{8}$", description="null once the meeting is closed")),
        join_url=nullable(string(format="uri")),
        locked={"type": "boolean"},
        participants={"type": "array", "items": ref("Participant")},
    ),
    "Participant": obj(
        ["id", "name", "relation", "status"],
        id=string(),
        name=string(),
        relation=string(enum=list(RELATIONS)),
        status=string(enum=["waiting", "admitted", "removed"]),
    ),
    "AuditEntry": obj(
        ["at", "actor_kind", "actor_id", "action", "room_id", "on_behalf_of", "detail"],
        at=string(format="date-time"),
        actor_kind=string(enum=["facilitator", "participant", "projector"]),
        actor_id=nullable(string()),
        action=string(),
        room_id=nullable(string()),
        on_behalf_of=nullable(string()),
        detail=nullable(string(description="counts and ids only, never names or text")),
    ),
    "JoinResult": obj(
        ["participant_id", "status", "room_id", "token"],
        participant_id=string(),
        status=string(enum=["waiting", "admitted"]),
        room_id=string(),
        token=string(description="also set as the kring_participant cookie"),
    ),
    "JoinStatus": obj(
        ["participant_id", "status", "room_id"],
        participant_id=string(),
        status=string(enum=["waiting", "admitted"]),
        room_id=string(),
    ),
    "ProjectorRoom": obj(
        ["room_id", "name", "join_code", "join_url", "locked"],
        room_id=string(),
        name=string(),
        join_code=nullable(string(description="null while the room is locked")),
        join_url=nullable(string(format="uri")),
        locked={"type": "boolean"},
    ),
    "CopyPlan": obj(
        ["items", "refused", "digest"],
        items={
            "type": "array",
            "items": obj(
                ["root", "key", "value", "replaces"],
                root=string(enum=["framework", "agreements", "childtools"]),
                key=string(),
                value={"type": "object", "description": "exactly what will be written"},
                replaces={"type": "boolean"},
            ),
        },
        refused={
            "type": "array",
            "items": obj(
                ["root", "key", "reason"],
                root=string(),
                key=string(),
                reason=string(enum=["sensitive", "not_found", "not_allowed", "not_shared"]),
            ),
        },
        digest=string(),
        copied={"type": "integer", "description": "only in the answer to a copy"},
    ),
}
