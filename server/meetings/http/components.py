"""The OpenAPI components, generated from the bodies' models (server.meetings.http.bodies) and the
answers' typed dicts (server.meetings.render.answers).

The per-route words (who may call, what is never returned) stay with the routes in openapi.py; what
a body or an answer holds is said once, by its type, and the body's type is what validation uses.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from server.meetings.http import bodies
from server.meetings.render import answers

Schema = dict[str, Any]

REF = "#/components/schemas/{model}"

# Every body a route documents; the models they contain (NewRoom, CopyItem, Consent) come along.
BODIES: tuple[type[bodies.Body], ...] = (
    bodies.Login,
    bodies.NewCase,
    bodies.NewCofacilitator,
    bodies.NewMeeting,
    bodies.MeetingChange,
    bodies.Lock,
    bodies.NewParticipant,
    bodies.Rename,
    bodies.ChildView,
    bodies.SafetyPersonChoice,
    bodies.Join,
    bodies.NewMember,
    bodies.MemberChange,
    bodies.Copy,
    bodies.ProgressPick,
    bodies.NewChildEntry,
    bodies.ChildEntryChange,
    bodies.NewPlanLink,
    bodies.NewReport,
    bodies.CallNetwork,
    bodies.NewInvite,
    bodies.AccountReset,
    bodies.LinkToken,
    bodies.NewPassword,
    bodies.SecondFactorCode,
    bodies.RoleChange,
    bodies.ActiveChange,
    bodies.TeamName,
    bodies.TeamMembership,
    bodies.CaseMove,
)


class _Untitled(GenerateJsonSchema):
    """pydantic's JSON Schema without the titles it makes up from Python names ("Admit All")."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        generated = super().model_schema(schema)
        generated.pop("title", None)
        return generated

    def typed_dict_schema(self, schema: core_schema.TypedDictSchema) -> JsonSchemaValue:
        generated = super().typed_dict_schema(schema)
        generated.pop("title", None)
        return generated

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        generated = super().default_schema(schema)
        # A default is what the handler sees for a field left out; "" and None say nothing to a client.
        if generated.get("default") in ("", None):
            generated.pop("default", None)
        return generated


@cache
def schemas() -> dict[str, Schema]:
    """Every body's and answer's schema by its type's name, for `components.schemas`."""
    inputs = [(model, "validation", TypeAdapter(model)) for model in BODIES]
    inputs += [(answer, "serialization", TypeAdapter(answer)) for answer in answers.ANSWERS]
    _refs, generated = TypeAdapter.json_schemas(inputs, ref_template=REF, schema_generator=_Untitled)  # type: ignore[arg-type]
    return dict(generated.get("$defs", {}))


def ref(named: Any) -> Schema:
    """A reference to the schema of a body or an answer."""
    if named not in BODIES and named not in answers.ANSWERS:
        raise ValueError(f"{named.__name__} is in neither components.BODIES nor answers.ANSWERS")
    return {"$ref": REF.format(model=named.__name__)}


def request_body(model: type[bodies.Body]) -> Schema:
    """An operation's `requestBody` naming the model's schema."""
    return {"required": True, "content": {"application/json": {"schema": ref(model)}}}
