"""Every JSON body the meetings API takes, declared once as a typed model (pydantic).

A model validates the body, types the handler and documents itself: server.meetings.http.components
turns these classes into the OpenAPI document's request schemas. Each field's annotation says how
it is refused (a `Refusal`, server.meetings.http.fields), so a bad body answers with the same code
and Dutch/English message whatever is wrong with the field; the first wrong field in declaration
order decides, as when the handlers checked them one after another.
Why pydantic: docs/performance.md, "API body validation".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from starlette.requests import Request

from server.meetings.http.endpoint import ApiError, read_bytes
from server.meetings.http.fields import Flag, Line, OneOf, OptionalLine, Refuse, Refused, RefuseFlag, Relation
from server.rooms.schema import CONSENT_BY_BAND, HOUSES, VISIBILITIES
from server.store.models import ROLES

MAX_LABEL = 120
MAX_TITLE = 200
MAX_ROOM_NAME = 120
MAX_PERSON_NAME = 80
MAX_MEMBER_NAME = 120
MAX_MEMBER_TEXT = 500
MAX_EMAIL = 254
# A split meeting has a room per parent; a few more for, say, a separate professionals' round.
MAX_ROOMS = 8
MAX_LINK = 64
MAX_ITEMS = 100
MAX_KEY = 128
MAX_CHILD_TEXT = 2000
PARTIES = ("parents", "child", "young_person")

B = TypeVar("B", bound="Body")


class Body(BaseModel):
    # strict: true is not "true" nor 1. Unknown fields are ignored unless a body says otherwise.
    # A refused value never appears in an error's text, so it cannot reach a log by accident.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, hide_input_in_errors=True)


class NoBody(Body):
    """A change that takes nothing: any JSON object, or an empty body."""


_BAD_TEAM = Refuse("bad_team", "Onbekend team. / Unknown team.")
_LOGIN = Refuse("bad_request", "Vul e-mail en wachtwoord in. / Email and password are required.")


class Login(Body):
    # Too long an address or password is not a 400 but a wrong log-in, throttled like one.
    email: Annotated[str, _LOGIN]
    password: Annotated[str, _LOGIN]


class NewCase(Body):
    label: Annotated[str, Line(MAX_LABEL), Field(description="a pseudonym, never a real name")]
    team_id: Annotated[
        str | None,
        _BAD_TEAM,
        Field(description="one of the maker's teams; left out: their team (the first by name if several)"),
    ] = None


class NewCofacilitator(Body):
    email: Annotated[str, Line(MAX_EMAIL)]


_BAD_ROOMS = ApiError(
    400,
    "bad_rooms",
    f"'rooms': hoogstens {MAX_ROOMS} kamers, elk een naam of {{name, continues}}. "
    f"/ At most {MAX_ROOMS} rooms, each a name or {{name, continues}}.",
)


class NewRoom(Body):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Line(MAX_ROOM_NAME)]
    continues: Annotated[
        Annotated[str, StringConstraints(min_length=1, max_length=MAX_LINK)] | None,
        Field(
            description="the id of a room of an earlier meeting of this case that this room carries on "
            "(the same parent's room, or the same joint room); its revealed scores are shown beside "
            "this room's. Leave out for a room that continues none."
        ),
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _known(cls, value: object) -> object:
        # Any field but these two is refused before the name is read.
        if isinstance(value, dict) and set(value) - {"name", "continues"}:
            raise Refused(_BAD_ROOMS)
        return value


def _named(value: object) -> object:
    """A room given as anything but an object is a room's name (and refused unless it is text)."""
    return value if isinstance(value, dict) else {"name": value}


class RefuseRooms:
    """`bad_rooms`; a room's name says, as a one-line field called 'rooms' would, what is wrong with it."""

    def error(self, field: str, problem: ErrorDetails) -> ApiError:
        if problem["loc"][2:] == ("name",):
            return Line(MAX_ROOM_NAME).error(field, problem)
        return _BAD_ROOMS


class NewMeeting(Body):
    title: Annotated[str, Line(MAX_TITLE)]
    rooms: Annotated[
        list[Annotated[NewRoom, BeforeValidator(_named, json_schema_input_type=str | NewRoom)]] | None,
        Field(max_length=MAX_ROOMS, description="one room per entry (default: one room); names differ"),
        RefuseRooms(),
    ] = None

    @model_validator(mode="after")
    def distinct_rooms(self) -> Self:
        rooms = self.rooms or []
        if len({room.name.casefold() for room in rooms}) != len(rooms):
            raise Refused(ApiError(400, "bad_rooms", "Elke kamer een eigen naam. / Each room needs its own name."))
        links = [room.continues for room in rooms if room.continues is not None]
        if len(set(links)) != len(links):
            # A room's history (names and scores) belongs to one line of meetings.
            raise Refused(
                ApiError(
                    400,
                    "bad_rooms",
                    "Twee kamers kunnen niet dezelfde eerdere kamer voortzetten. "
                    "/ Two rooms cannot continue the same room.",
                )
            )
        return self


class MeetingChange(Body):
    admit_all: Flag


class Lock(Body):
    locked: Flag


class NewParticipant(Body):
    room_id: Annotated[str, Refuse("bad_room_id", "'room_id' ontbreekt. / 'room_id' is required.")]
    name: Annotated[str, Line(MAX_PERSON_NAME)]
    relation: Relation


class Rename(Body):
    name: Annotated[str, Line(MAX_PERSON_NAME)]


class ChildView(Body):
    """A child participant's view: the child view (false) or the full board, for a young person of 16+."""

    full_board: Flag


class SafetyPersonChoice(Body):
    """Whether a participant is one of the children's safety people: `auto` if they carry a rule the
    children are told (the default), or the facilitator's `yes` or `no`."""

    counts: Annotated[
        str,
        OneOf(("auto", "yes", "no")),
        Refuse("bad_counts", "'counts' is auto, yes of no. / 'counts' is auto, yes or no."),
    ]


class Join(Body):
    name: Annotated[str, Line(MAX_PERSON_NAME)]
    relation: Relation
    # Anything that is not a code is an unknown code (404, and a failed try for the throttle), never a 400.
    code: Annotated[
        object, WithJsonSchema({"type": "string", "description": "8 digits; spaces and dashes are ignored"})
    ] = None


class NewMember(Body):
    name: Annotated[str, Line(MAX_MEMBER_NAME)]
    relation: Relation
    role: Annotated[str, OptionalLine(MAX_MEMBER_TEXT), Field(description="their part in the safety plan")] = ""
    contact: Annotated[str, OptionalLine(MAX_MEMBER_TEXT), Field(description="facilitators only; never on a board")] = (
        ""
    )
    knows_worries: Annotated[Flag, Field(description="whether they know what the worries are")] = False


class MemberChange(NewMember):
    """Only the fields sent change (`model_fields_set`); a name or relation sent as null is refused."""

    name: Annotated[str, Line(MAX_MEMBER_NAME)] = ""
    relation: Relation = ""


_BAD_ITEMS = Refuse("bad_items", f"'items': 1 tot {MAX_ITEMS} keer {{root, key}}. / 1 to {MAX_ITEMS} {{root, key}}.")
# A room not named by a string is, for this meeting, a room that does not exist.
_UNKNOWN_ROOM = Refuse("unknown_room", "Niet gevonden. / Not found.", status=404)


class CopyItem(Body):
    root: str
    key: Annotated[str, StringConstraints(min_length=1, max_length=MAX_KEY)]


def _string_or_none(value: object) -> object:
    return value if isinstance(value, str) else None


class Copy(Body):
    from_room: Annotated[str, _UNKNOWN_ROOM]
    to_room: Annotated[str, _UNKNOWN_ROOM]
    items: Annotated[list[CopyItem], Field(min_length=1, max_length=MAX_ITEMS), _BAD_ITEMS]
    # A digest that is not a string is no digest: the copy then goes ahead without the comparison.
    digest: Annotated[
        str | None,
        BeforeValidator(_string_or_none),
        Field(description="The preview's digest: refuse with 409 `changed` if the items differ from it."),
    ] = None

    def wanted(self) -> list[tuple[str, str]]:
        """The items asked for, each once, in their order."""
        return list(dict.fromkeys((item.root, item.key) for item in self.items))


class ProgressPick(Body):
    """Which revealed round is a meeting's point on the progress chart."""

    question: Annotated[
        str,
        StringConstraints(max_length=MAX_KEY),
        Field(description='`""` for the whole situation, else the danger statement\'s key of a pair'),
    ] = ""
    round_id: Annotated[
        str | None,
        StringConstraints(min_length=1, max_length=MAX_KEY),
        Field(description="a revealed round about that question; null: back to the last one"),
    ]


CONSENT_REQUIRED = ApiError(
    400,
    "consent_required",
    "Leg vast wie toestemming gaf: 'consent': {band, parties}. / Record who consented: 'consent': {band, parties}.",
)
_NO_CONSENT = Refuse(CONSENT_REQUIRED.code, CONSENT_REQUIRED.message)


class Consent(Body):
    """Who consented: under 12 the parents, 12-16 the child and the parents, 16 and over the young person."""

    model_config = ConfigDict(extra="forbid")

    band: Annotated[str, OneOf(tuple(CONSENT_BY_BAND)), _NO_CONSENT]
    parties: Annotated[list[Annotated[str, OneOf(PARTIES)]], _NO_CONSENT]

    @model_validator(mode="after")
    def _enough(self) -> Self:
        if not CONSENT_BY_BAND[self.band] <= set(self.parties):
            raise Refused(
                ApiError(
                    400,
                    "consent_incomplete",
                    "Onder 12 beslissen de ouders, van 12 tot 16 het kind en de ouders, vanaf 16 de jongere. "
                    "/ Under 12 the parents decide, 12-16 the child and the parents, 16 and over the young person.",
                )
            )
        return self


_UNKNOWN_FIELD = ApiError(400, "bad_entry", "Onbekend veld. / Unknown field.")


def _trimmed(value: str) -> str:
    return value.strip()


# The child's own words: several lines are fine, control characters other than newlines and tabs not.
ChildText = Annotated[
    str,
    StringConstraints(max_length=MAX_CHILD_TEXT, pattern=r"^[^\x00-\x08\x0b-\x1f]*$"),
    AfterValidator(_trimmed),
    Refuse("bad_text", f"'text': hoogstens {MAX_CHILD_TEXT} tekens. / At most {MAX_CHILD_TEXT} characters."),
    Field(description="the child's own words"),
]
Visibility = Annotated[
    str,
    OneOf(VISIBILITIES),
    Refuse(
        "bad_visibility",
        "Kies wie dit mag zien: private, room of shared. / Choose who may see this: private, room or shared.",
    ),
    Field(description="private: facilitator only; room: this room's board; shared: may be copied to another room"),
]
ConsentField = Annotated[Consent | None, _NO_CONSENT]


class _ChildBody(Body):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known(cls, value: object) -> object:
        # An unknown field is refused before any other, whatever else is wrong.
        if isinstance(value, dict) and set(value) - set(cls.model_fields):
            raise Refused(_UNKNOWN_FIELD)
        return value


class NewChildEntry(_ChildBody):
    house: Annotated[
        str, OneOf(HOUSES), Refuse("bad_house", f"'house' is een van {', '.join(HOUSES)}. / 'house' is one of them.")
    ]
    visibility: Visibility
    text: ChildText = ""
    # Leaving "private" needs a consent; one given for a private entry must be complete too.
    consent: Annotated[ConsentField, Field(validate_default=True)] = None
    photo: Annotated[
        str | None,
        Refuse("bad_photo", "Deze foto is niet in deze kamer geladen. / No such photo in this room."),
        Field(description="a photo id from POST /api/rooms/{room_id}/photos"),
    ] = None

    @field_validator("consent", mode="after")
    @classmethod
    def _consented(cls, consent: Consent | None, info: ValidationInfo) -> Consent | None:
        if consent is None and info.data.get("visibility", "private") != "private":
            raise Refused(CONSENT_REQUIRED)
        return consent


class ChildEntryChange(_ChildBody):
    """Only the fields sent change (`model_fields_set`); a consent sent as null changes nothing."""

    visibility: Visibility = "private"
    text: ChildText = ""
    consent: ConsentField = None


# -- between meetings: the network's links and the safety journal ------------------------------------

MAX_NOTE = 500


class NewPlanLink(Body):
    participant_id: Annotated[
        str,
        StringConstraints(min_length=1, max_length=MAX_LINK),
        Refuse("unknown_participant", "Niet gevonden. / Not found.", status=404),
        Field(description="a person of this room: the link shows them this room's agreed plan"),
    ]


def _iso_day(value: object) -> object:
    # A day that is not one is refused with the field's own code, not pydantic's.
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value  # a string, which a strict date refuses as `bad_day`
    return value


class CallNetwork(Body):
    """Calling the network together: the follow-up meeting's title, and the language of the
    journal's summary written on its board."""

    title: Annotated[str, Line(MAX_TITLE)]
    lang: Annotated[str, StringConstraints(min_length=2, max_length=8)] = "nl"


class NewReport(Body):
    """One report of the safety journal, about one rule of the link's plan."""

    rule_id: Annotated[
        str,
        StringConstraints(min_length=1, max_length=MAX_KEY),
        Refuse("unknown_rule", "Deze afspraak staat niet in je plan. / This rule is not in your plan.", status=404),
    ]
    verdict: Annotated[
        str,
        OneOf(("held", "not_held", "unsure")),
        Refuse("bad_verdict", "Kies: gehouden, niet gehouden of weet niet. / Choose held, not held or not sure."),
    ]
    note: Annotated[str, OptionalLine(MAX_NOTE), Field(description="a short note (at most 500 characters)")] = ""
    day: Annotated[
        date | None,
        BeforeValidator(_iso_day, json_schema_input_type=str),
        Refuse("bad_day", "Kies een dag van de afgelopen maand. / Choose a day of the past month."),
        Field(description="YYYY-MM-DD, the day the report is about (default today; not in the future)"),
    ] = None


# -- accounts: invitations, one-time links, the second factor (server/meetings/http/account.py) ------

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_LINK = Refuse("link_ended", "Deze link werkt niet meer. / This link no longer works.", status=401)
_CODE = Refuse("bad_code", "Vul de code in. / Enter the code.")


class NewInvite(Body):
    """An administrator invites someone by e-mail address: a facilitator account and a one-time link."""

    email: Annotated[str, Line(MAX_EMAIL)]
    name: Annotated[str, Line(MAX_MEMBER_NAME)]


class AccountReset(Body):
    second_factor: Annotated[
        bool, RefuseFlag(), Field(description="also drop the second factor (a lost phone): they enrol again")
    ] = False


class LinkToken(Body):
    token: Annotated[str, StringConstraints(min_length=1, max_length=MAX_KEY), _LINK]


class NewPassword(Body):
    token: Annotated[str, StringConstraints(min_length=1, max_length=MAX_KEY), _LINK]
    password: Annotated[
        str,
        StringConstraints(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD),
        Refuse(
            "weak_password",
            f"Kies een wachtwoord van minstens {MIN_PASSWORD} tekens. "
            f"/ Choose a password of at least {MIN_PASSWORD} characters.",
        ),
    ]


class SecondFactorCode(Body):
    code: Annotated[
        str,
        StringConstraints(min_length=1, max_length=32),
        _CODE,
        Field(description="six digits from the authenticator app, or an unused recovery code"),
    ]


# -- accounts, roles and teams (server.meetings.http.admin, server.meetings.http.teams) ----------------

MAX_TEAM_NAME = 120
_BAD_ACCOUNT = Refuse(
    "bad_facilitator_id", "'facilitator_id' moet een getal zijn. / 'facilitator_id' must be a number."
)


class RoleChange(Body):
    role: Annotated[str, OneOf(ROLES), Refuse("bad_role", "Onbekende rol. / Unknown role: " + ", ".join(ROLES))]
    granted: Annotated[Flag, Field(description="true: grant the role; false: revoke it")]


class ActiveChange(Body):
    active: Annotated[Flag, Field(description="false: deactivate (their sessions and sockets end at once)")]


class TeamName(Body):
    name: Annotated[str, Line(MAX_TEAM_NAME)]


class TeamMembership(Body):
    facilitator_id: Annotated[int, _BAD_ACCOUNT]
    member: Annotated[Flag, Field(description="true: add to the team; false: take off it")]


class CaseMove(Body):
    """Where a team lead hands a case: another team, another facilitator, or both."""

    team_id: Annotated[str | None, _BAD_TEAM] = None
    facilitator_id: Annotated[
        int | None, _BAD_ACCOUNT, Field(description="takes the case over from whoever ran it")
    ] = None

    @model_validator(mode="after")
    def somewhere(self) -> Self:
        if self.team_id is None and self.facilitator_id is None:
            raise Refused(
                ApiError(400, "bad_move", "Kies een team of een begeleider. / Choose a team or a facilitator.")
            )
        return self


def refusal(model: type[Body], error: ValidationError) -> ApiError:
    """The answer to a body the model refused: its first wrong field's, in declaration order."""
    problem = error.errors(include_url=False, include_input=False)[0]
    cause = problem.get("ctx", {}).get("error")
    if isinstance(cause, Refused):
        return cause.error
    loc = problem["loc"]
    if not loc:  # the body itself: not JSON, or not an object
        if problem["type"] == "json_invalid":
            return ApiError(400, "bad_json", "Geen geldige JSON. / Not valid JSON.")
        return ApiError(400, "bad_json", "Verwacht een JSON-object. / Expected a JSON object.")
    name = str(loc[0])
    field = model.model_fields.get(name)
    for meta in field.metadata if field is not None else ():
        if callable(getattr(meta, "error", None)):
            return meta.error(name, problem)  # type: ignore[no-any-return]
    raise error  # a field without its refusal is a bug in this module, not a bad request


def parse(model: type[B], raw: bytes) -> B:
    """The body as `model`, or the ApiError that answers it; an empty body is {}."""
    try:
        return model.model_validate_json(raw if raw.strip() else b"{}")
    except ValidationError as error:
        raise refusal(model, error) from None


async def read_body(request: Request, model: type[B]) -> B:
    """A change's JSON body as `model`, once it is known to be JSON, same-origin and not too large."""
    return parse(model, await read_bytes(request))
