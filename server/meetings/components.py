"""The OpenAPI components of the request bodies, generated from their models (server.meetings.bodies).

The per-route words (who may call, what is never returned) stay with the routes in openapi.py; what
a body may hold is said once, by its model, and is what validation uses.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from server.meetings import bodies

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
    bodies.Join,
    bodies.NewMember,
    bodies.MemberChange,
    bodies.Copy,
    bodies.NewChildEntry,
    bodies.ChildEntryChange,
)


class _Untitled(GenerateJsonSchema):
    """pydantic's JSON Schema without the titles it makes up from Python names ("Admit All")."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        generated = super().model_schema(schema)
        generated.pop("title", None)
        return generated

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        generated = super().default_schema(schema)
        # A default is what the handler sees for a field left out; "" and None say nothing to a client.
        if generated.get("default") in ("", None):
            generated.pop("default", None)
        return generated


def body_schemas() -> dict[str, Schema]:
    """The request bodies' schemas by model name, for `components.schemas`."""
    _refs, generated = models_json_schema(
        [(model, "validation") for model in BODIES], ref_template=REF, schema_generator=_Untitled
    )
    return dict(generated.get("$defs", {}))


def request_body(model: type[bodies.Body]) -> Schema:
    """An operation's `requestBody` naming the model's schema."""
    if model not in BODIES:
        raise ValueError(f"{model.__name__} is not in components.BODIES")
    schema = {"$ref": REF.format(model=model.__name__)}
    return {"required": True, "content": {"application/json": {"schema": schema}}}
