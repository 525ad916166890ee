"""The field types of the request bodies (server.meetings.http.bodies), each with its refusal.

A field's annotation carries how it is refused (a `Refusal`): `Line(80)` is a trimmed one-line text
refused as `bad_<field>`, `Refuse(code, message)` one fixed answer. bodies.refusal finds it there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails, core_schema

from server.meetings.http.endpoint import ApiError
from server.store.meetings import RELATIONS


class Refusal(Protocol):
    """What a field answers when it is wrong; `problem` is pydantic's account of what was wrong."""

    def error(self, field: str, problem: ErrorDetails) -> ApiError: ...


class Refused(ValueError):
    """Raised in a validator whose answer is not its field's usual one (a rule across fields)."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.code)
        self.error = error


@dataclass(frozen=True)
class Refuse:
    """One code and one message, whatever is wrong with the field."""

    code: str
    message: str
    status: int = 400

    def error(self, _field: str, _problem: ErrorDetails) -> ApiError:
        return ApiError(self.status, self.code, self.message)


def _strip(value: object) -> object:
    # Python's strip, before the length check: "  Oma  " is "Oma", and "   " is empty.
    return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class Line:
    """A trimmed single-line string of 1..max_length characters, refused as `bad_<field>`."""

    max_length: int

    def __get_pydantic_core_schema__(self, _source: Any, _handler: GetCoreSchemaHandler) -> CoreSchema:
        text = core_schema.str_schema(min_length=1, max_length=self.max_length, pattern=r"^[^\x00-\x1f\x7f]*$")
        return core_schema.no_info_before_validator_function(_strip, text)

    def error(self, field: str, problem: ErrorDetails) -> ApiError:
        if problem["type"] in ("string_type", "missing"):
            return ApiError(400, f"bad_{field}", f"'{field}' moet tekst zijn. / '{field}' must be a string.")
        return ApiError(
            400,
            f"bad_{field}",
            f"'{field}': 1 tot {self.max_length} tekens, één regel. "
            f"/ '{field}': 1 to {self.max_length} characters, one line.",
        )


@dataclass(frozen=True)
class OptionalLine(Line):
    """Like Line, but null and "" are "" (a field one may clear)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        def blank(value: object, inner: Callable[[object], str]) -> str:
            return "" if value is None or value == "" else inner(value)

        return core_schema.no_info_wrap_validator_function(blank, super().__get_pydantic_core_schema__(source, handler))

    def __get_pydantic_json_schema__(self, _schema: CoreSchema, _handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": ["string", "null"], "maxLength": self.max_length}


@dataclass(frozen=True)
class OneOf:
    """A string from a fixed list kept elsewhere (the store's relations, the board's houses)."""

    values: tuple[str, ...]

    def __get_pydantic_core_schema__(self, _source: Any, _handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.literal_schema(list(self.values))


class RefuseFlag:
    def error(self, field: str, _problem: ErrorDetails) -> ApiError:
        return ApiError(400, f"bad_{field}", f"'{field}' moet true of false zijn. / '{field}' must be true or false.")


Flag = Annotated[bool, RefuseFlag()]
Relation = Annotated[
    str, OneOf(RELATIONS), Refuse("bad_relation", "Onbekende relatie. / Unknown relation: " + ", ".join(RELATIONS))
]
