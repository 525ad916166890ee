"""The request bodies' models: what each refuses, with which code and message, and that the schemas
generated from them (the OpenAPI components) agree with them."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from server.meetings.http import bodies
from server.meetings.http.components import BODIES, REF, schemas
from server.meetings.http.endpoint import ApiError
from server.meetings.render import answers

CONSENT = {"band": "12_16", "parties": ["child", "parents"]}


def line(field: str, n: int) -> str:
    return f"'{field}': 1 tot {n} tekens, één regel. / '{field}': 1 to {n} characters, one line."


def not_text(field: str) -> str:
    return f"'{field}' moet tekst zijn. / '{field}' must be a string."


def not_flag(field: str) -> str:
    return f"'{field}' moet true of false zijn. / '{field}' must be true or false."


# The words of each code that always says the same, as the handlers said them before the models.
SAME = {
    "bad_relation": "Onbekende relatie. / Unknown relation: parent, family, friend, child, professional_school, "
    "professional_police, professional_gp, professional_other",
    "bad_request": "Vul e-mail en wachtwoord in. / Email and password are required.",
    "bad_room_id": "'room_id' ontbreekt. / 'room_id' is required.",
    "unknown_room": "Niet gevonden. / Not found.",
    "bad_items": "'items': 1 tot 100 keer {root, key}. / 1 to 100 {root, key}.",
    "bad_entry": "Onbekend veld. / Unknown field.",
    "bad_house": "'house' is een van worries, good, dreams. / 'house' is one of them.",
    "bad_visibility": "Kies wie dit mag zien: private, room of shared. "
    "/ Choose who may see this: private, room or shared.",
    "bad_text": "'text': hoogstens 2000 tekens. / At most 2000 characters.",
    "consent_required": "Leg vast wie toestemming gaf: 'consent': {band, parties}. "
    "/ Record who consented: 'consent': {band, parties}.",
    "consent_incomplete": "Onder 12 beslissen de ouders, van 12 tot 16 het kind en de ouders, vanaf 16 de jongere. "
    "/ Under 12 the parents decide, 12-16 the child and the parents, 16 and over the young person.",
    "bad_photo": "Deze foto is niet in deze kamer geladen. / No such photo in this room.",
}
BAD_ROOMS = "'rooms': hoogstens 8 kamers, elk een naam of {name, continues}. "
BAD_ROOMS += "/ At most 8 rooms, each a name or {name, continues}."
NOT_JSON = "Geen geldige JSON. / Not valid JSON."
NOT_OBJECT = "Verwacht een JSON-object. / Expected a JSON object."
TWICE = "Twee kamers kunnen niet dezelfde eerdere kamer voortzetten. / Two rooms cannot continue the same room."


def _refused(model: type[bodies.Body], body: Any) -> tuple[int, str, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(ApiError) as refused:
        bodies.parse(model, raw)
    return refused.value.status, refused.value.code, refused.value.message


ROOM_OF = {"room_id": "r", "name": "Opa", "relation": "family"}
COPY = {"from_room": "a", "to_room": "b"}
PRIVATE = {"house": "good", "visibility": "private"}
REFUSED: list[tuple[type[bodies.Body], Any, int, str, str | None]] = [
    (bodies.Join, {"name": "", "relation": "family"}, 400, "bad_name", line("name", 80)),
    (bodies.Join, {"name": "   ", "relation": "family"}, 400, "bad_name", line("name", 80)),
    (bodies.Join, {"name": "x" * 81, "relation": "family"}, 400, "bad_name", line("name", 80)),
    (bodies.Join, {"name": "Oma\nTruus", "relation": "family"}, 400, "bad_name", line("name", 80)),
    (bodies.Join, {"name": 7, "relation": "family"}, 400, "bad_name", not_text("name")),
    (bodies.Join, {}, 400, "bad_name", not_text("name")),
    (bodies.Join, b"", 400, "bad_name", not_text("name")),
    # Two wrong fields: the first declared answers, whatever the order in the JSON text.
    (bodies.Join, {"relation": "buurman", "name": ""}, 400, "bad_name", line("name", 80)),
    (bodies.Join, {"name": "Oma", "relation": "buurman"}, 400, "bad_relation", None),
    (bodies.Join, b"[1]", 400, "bad_json", NOT_OBJECT),
    (bodies.Join, b"{", 400, "bad_json", NOT_JSON),
    (bodies.Login, {"email": "a@b.nl"}, 400, "bad_request", None),
    (bodies.MeetingChange, {"admit_all": "true"}, 400, "bad_admit_all", not_flag("admit_all")),
    (bodies.Lock, {"locked": 1}, 400, "bad_locked", not_flag("locked")),
    (bodies.NewParticipant, {**ROOM_OF, "room_id": None}, 400, "bad_room_id", None),
    (bodies.NewMeeting, {"title": "T", "rooms": ["A"] * 9}, 400, "bad_rooms", BAD_ROOMS),
    (bodies.NewMeeting, {"title": "T", "rooms": "A"}, 400, "bad_rooms", BAD_ROOMS),
    (bodies.NewMeeting, {"title": "T", "rooms": [{"name": 5, "colour": "red"}]}, 400, "bad_rooms", BAD_ROOMS),
    (bodies.NewMeeting, {"title": "T", "rooms": [{"name": "A", "continues": ""}]}, 400, "bad_rooms", BAD_ROOMS),
    (bodies.NewMeeting, {"title": "T", "rooms": ["A", 5]}, 400, "bad_rooms", not_text("rooms")),
    (bodies.NewMeeting, {"title": "T", "rooms": ["A", "B" * 121]}, 400, "bad_rooms", line("rooms", 120)),
    (
        bodies.NewMeeting,
        {"title": "T", "rooms": ["Moeder", {"name": " moeder"}]},
        400,
        "bad_rooms",
        "Elke kamer een eigen naam. / Each room needs its own name.",
    ),
    (
        bodies.NewMeeting,
        {"title": "T", "rooms": [{"name": n, "continues": "r1"} for n in "AB"]},
        400,
        "bad_rooms",
        TWICE,
    ),
    (bodies.NewMeeting, {"title": "", "rooms": ["A", "a"]}, 400, "bad_title", line("title", 200)),
    (bodies.NewMember, {"name": "Els", "relation": "friend", "role": "   "}, 400, "bad_role", line("role", 500)),
    (bodies.MemberChange, {"name": None}, 400, "bad_name", not_text("name")),
    (bodies.Copy, {"from_room": 5, "to_room": "b", "items": []}, 404, "unknown_room", None),
    (bodies.Copy, {**COPY, "items": []}, 400, "bad_items", None),
    (bodies.Copy, {**COPY, "items": [{"root": "framework"}]}, 400, "bad_items", None),
    (bodies.NewChildEntry, {"house": "attic", "mood": "sad"}, 400, "bad_entry", None),
    (bodies.NewChildEntry, {**PRIVATE, "house": "attic"}, 400, "bad_house", None),
    (bodies.NewChildEntry, {**PRIVATE, "visibility": "all"}, 400, "bad_visibility", None),
    (bodies.NewChildEntry, {**PRIVATE, "text": "a\x00"}, 400, "bad_text", None),
    (bodies.NewChildEntry, {**PRIVATE, "visibility": "room", "text": "Een hond"}, 400, "consent_required", None),
    (bodies.NewChildEntry, {**PRIVATE, "consent": {"band": "12_16"}}, 400, "consent_required", None),
    (bodies.NewChildEntry, {**PRIVATE, "consent": {**CONSENT, "parties": ["child"]}}, 400, "consent_incomplete", None),
    (bodies.NewChildEntry, {**PRIVATE, "photo": 3}, 400, "bad_photo", None),
    (bodies.ChildEntryChange, {"text": None}, 400, "bad_text", None),
    (bodies.ChildEntryChange, {"visibility": None}, 400, "bad_visibility", None),
]


@pytest.mark.parametrize(("model", "body", "status", "code", "message"), REFUSED)
def test_a_bad_body_is_refused_with_its_code_and_message(
    model: type[bodies.Body], body: Any, status: int, code: str, message: str | None
) -> None:
    assert _refused(model, body) == (status, code, message or SAME[code])


def test_text_is_trimmed_and_the_rest_typed() -> None:
    joined = bodies.parse(bodies.Join, b'{"code": 12345678, "name": "  Oma Truus ", "relation": "family", "x": 1}')
    assert (joined.name, joined.relation, joined.code) == ("Oma Truus", "family", 12345678)
    member = bodies.parse(bodies.NewMember, b'{"name": "Els", "relation": "friend", "role": null, "contact": ""}')
    assert (member.role, member.contact, member.knows_worries) == ("", "", False)
    change = bodies.parse(bodies.MemberChange, b'{"knows_worries": true}')
    assert change.model_fields_set == {"knows_worries"}
    meeting = bodies.parse(
        bodies.NewMeeting, b'{"title": "T", "rooms": ["Moeder", {"name": "Vader", "continues": "r1"}]}'
    )
    assert [(r.name, r.continues) for r in meeting.rooms or []] == [("Moeder", None), ("Vader", "r1")]
    items = [{"root": "r", "key": "k"}, {"root": "r", "key": "k"}]
    copy = bodies.parse(bodies.Copy, json.dumps({**COPY, "digest": 5, "items": items}).encode())
    assert (copy.wanted(), copy.digest) == ([("r", "k")], None)
    entry = bodies.parse(
        bodies.NewChildEntry,
        json.dumps({"house": "good", "visibility": "room", "text": " hi\n", "consent": CONSENT}).encode(),
    )
    assert (entry.text, entry.consent and entry.consent.band) == ("hi", "12_16")


VALID: list[tuple[type[bodies.Body], dict[str, Any]]] = [
    (bodies.Login, {"email": "a@b.nl", "password": "x"}),
    (bodies.NewCase, {"label": "Gezin M-2026"}),
    (bodies.NewCofacilitator, {"email": "f@b.nl"}),
    (bodies.NewMeeting, {"title": "T", "rooms": ["Moeder", {"name": "Vader", "continues": "r1"}]}),
    (bodies.MeetingChange, {"admit_all": True}),
    (bodies.Lock, {"locked": False}),
    (bodies.NewParticipant, {"room_id": "r", "name": "Opa", "relation": "family"}),
    (bodies.Rename, {"name": "Anna"}),
    (bodies.Join, {"code": "1234 5678", "name": "Oma", "relation": "family"}),
    (bodies.NewMember, {"name": "Els", "relation": "friend", "role": None, "knows_worries": True}),
    (bodies.MemberChange, {"contact": "06-12345678"}),
    (bodies.Copy, {"from_room": "a", "to_room": "b", "items": [{"root": "framework", "key": "d1"}]}),
    (bodies.NewChildEntry, {"house": "good", "visibility": "shared", "text": "Een hond", "consent": CONSENT}),
    (bodies.ChildEntryChange, {"visibility": "private"}),
]
# Bodies the schema alone already refuses (the rules across fields are the model's only).
INVALID: list[tuple[type[bodies.Body], dict[str, Any]]] = [
    (bodies.Join, {"name": "Oma", "relation": "buurman"}),
    (bodies.Join, {"name": "x" * 81, "relation": "family"}),
    (bodies.NewMeeting, {"title": "T", "rooms": [{"name": "A", "colour": "red"}]}),
    (bodies.Lock, {"locked": "yes"}),
    (bodies.Copy, {"from_room": "a", "to_room": "b", "items": []}),
    (bodies.NewChildEntry, {"house": "attic", "visibility": "room"}),
    (bodies.NewChildEntry, {"house": "good", "visibility": "room", "consent": {"band": "12_16", "parties": ["aunt"]}}),
]


def _validator(model: type[bodies.Body]) -> jsonschema.Draft202012Validator:
    generated = schemas()
    document = {"components": {"schemas": generated}, "$ref": REF.format(model=model.__name__)}
    return jsonschema.Draft202012Validator(document)


def test_every_body_and_answer_has_a_schema_that_is_valid_json_schema() -> None:
    generated = schemas()
    assert {t.__name__ for t in (*BODIES, *answers.ANSWERS)} <= set(generated)
    for schema in generated.values():
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(("model", "body"), VALID, ids=lambda v: getattr(v, "__name__", ""))
def test_the_schema_takes_what_the_model_takes(model: type[bodies.Body], body: dict[str, Any]) -> None:
    bodies.parse(model, json.dumps(body).encode())
    _validator(model).validate(body)


@pytest.mark.parametrize(("model", "body"), INVALID, ids=lambda v: getattr(v, "__name__", ""))
def test_the_schema_refuses_what_the_model_refuses(model: type[bodies.Body], body: dict[str, Any]) -> None:
    with pytest.raises(ApiError):
        bodies.parse(model, json.dumps(body).encode())
    assert not _validator(model).is_valid(body)
