"""Write permissions checked on a shadow document, without sockets or a database."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text

from server.protocol import Refusal, Refused
from server.rooms.permissions import Shadow, WriteGuard, check_write
from server.rooms.schema import BOARD, Identity

FACILITATOR = Identity("facilitator", "1", "Fatima", "facilitator")
ANNA = Identity("participant", "anna", "Anna", "family")
BOB = Identity("participant", "bob", "Bob", "parent")
PROJECTOR = Identity("projector", "room", "Beamer", "projector")


def edits(base: Doc[Any], change: Any) -> bytes:
    """The update that `change` makes to a copy of `base` (as a phone holding the board would send)."""
    phone: Doc[Any] = Doc()
    phone.apply_update(base.get_update())
    before = phone.get_state()
    change(phone)
    return phone.get_update(before)


@pytest.fixture
def board() -> Doc[Any]:
    doc: Doc[Any] = Doc()
    doc.get("framework", type=Map)["w1"] = Map({"category": "harm", "text": Text("Max viel van de trap")})
    doc.get("proposals", type=Map)["bob:1"] = Map({"by": "bob", "text": "Oma helpt"})
    doc.get("marks", type=Map)["w1|bob"] = "agree"
    agreements = doc.get("agreements", type=Map)
    agreements["r1"] = Map({"section": "immediate", "text": Text("Oma is er bij elk bezoek"), "status": "agreed"})
    agreements["b1"] = Map({"section": "bottom_line", "text": Text("Nooit alleen met vader"), "status": "agreed"})
    # Anna's proposals as the facilitator left them: one still open, one accepted, one declined.
    proposals = doc.get("proposals", type=Map)
    proposals["anna:open"] = Map(_proposal("Ik breng Max naar school"))
    proposals["anna:yes"] = Map({**_proposal("Oma haalt op"), "status": "accepted", "item": "w1"})
    proposals["anna:no"] = Map({**_proposal("Geen zorgen"), "status": "declined"})
    return doc


def _proposal(text: str, **fields: Any) -> dict[str, Any]:
    """A proposal exactly as the phone writes it (web/src/actions/participant.js propose)."""
    return {"by": "anna", "text": text, "category": "strengths", "status": "open", **fields}


def with_round(status: str, round_id: str = "r1") -> Doc[Any]:
    """A board with one scaling round in that state."""
    doc: Doc[Any] = Doc()
    doc.get("poll", type=Map)[round_id] = Map({"title": "Hoe veilig?", "status": status})
    return doc


OPEN_ROUND = with_round("open")


def attempt(
    identity: Identity, live: Doc[Any], update: bytes, doc_name: str = BOARD, board: Doc[Any] | None = OPEN_ROUND
) -> None:
    shadow = Shadow(doc_name)
    touches = shadow.trial(live, update)
    check_write(identity, doc_name, touches, shadow.doc, live, board)


def refused_code(
    identity: Identity, live: Doc[Any], update: bytes, doc_name: str = BOARD, board: Doc[Any] | None = OPEN_ROUND
) -> Refusal:
    with pytest.raises(Refused) as caught:
        attempt(identity, live, update, doc_name, board)
    return caught.value.code


def test_participant_may_propose_mark_and_claim_as_themselves(board: Doc[Any]) -> None:
    def mine(doc: Doc[Any]) -> None:
        doc.get("proposals", type=Map)["anna:7"] = Map(_proposal("Ik breng Max naar school"))
        doc.get("marks", type=Map)["w1|anna"] = "disagree"
        doc.get("claims", type=Map)["r1|anna"] = "claimed"

    attempt(ANNA, board, edits(board, mine))


def _set(root: str, key: str, value: Any) -> Any:
    return lambda d: d.get(root, type=Map).__setitem__(key, value)


def _in_proposal(key: str, field: str, value: Any) -> Any:
    return lambda d: d.get("proposals", type=Map)[key].__setitem__(field, value)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        # The facilitator's decision is not the author's to make, undo or wipe away.
        pytest.param(_in_proposal("anna:open", "status", "accepted"), Refusal.NOT_ALLOWED, id="accept-own"),
        pytest.param(_in_proposal("anna:open", "status", "declined"), Refusal.NOT_ALLOWED, id="decline-own"),
        pytest.param(_in_proposal("anna:open", "item", "w1"), Refusal.NOT_ALLOWED, id="link-own-to-an-item"),
        pytest.param(_in_proposal("anna:no", "status", "open"), Refusal.NOT_ALLOWED, id="reopen-declined"),
        pytest.param(_in_proposal("anna:yes", "status", "open"), Refusal.NOT_ALLOWED, id="reopen-accepted"),
        pytest.param(_in_proposal("anna:yes", "text", "Iets anders"), Refusal.NOT_ALLOWED, id="edit-accepted"),
        pytest.param(lambda d: d.get("proposals", type=Map).pop("anna:no"), Refusal.NOT_ALLOWED, id="delete-declined"),
        pytest.param(
            _set("proposals", "anna:no", Map(_proposal("Opnieuw"))), Refusal.NOT_ALLOWED, id="replace-declined"
        ),
        pytest.param(
            _set("proposals", "anna:9", Map(_proposal("x", status="accepted"))), Refusal.NOT_ALLOWED, id="new-accepted"
        ),
        pytest.param(
            _set("proposals", "anna:9", Map({k: v for k, v in _proposal("x").items() if k != "by"})),
            Refusal.NOT_ALLOWED,
            id="new-without-by",
        ),
        # Only the fields the phone writes, with values it can write.
        pytest.param(
            _set("proposals", "anna:9", Map(_proposal("x", adres="Laan 1"))), Refusal.INVALID_VALUE, id="extra"
        ),
        pytest.param(
            _set("proposals", "anna:9", Map(_proposal("x", category="adres"))), Refusal.INVALID_VALUE, id="category"
        ),
        pytest.param(_set("proposals", "anna:9", Map(_proposal("x" * 2001))), Refusal.INVALID_VALUE, id="long-text"),
        pytest.param(_set("proposals", "anna:9", Map(_proposal(""))), Refusal.INVALID_VALUE, id="empty-text"),
        pytest.param(_set("proposals", "anna:9", Map(_proposal(7))), Refusal.INVALID_VALUE, id="text-a-number"),
        pytest.param(_set("proposals", "anna:9", "Oma helpt"), Refusal.INVALID_VALUE, id="not-a-map"),
        # A mark is one of three words, on an item that is on the board.
        pytest.param(_set("marks", "w1|anna", "misschien"), Refusal.INVALID_VALUE, id="mark-word"),
        pytest.param(_set("marks", "w1|anna", True), Refusal.INVALID_VALUE, id="mark-bool"),
        pytest.param(_set("marks", "w1|anna", Map({"adres": "Laan 1"})), Refusal.INVALID_VALUE, id="mark-data"),
        pytest.param(_set("marks", "geen|anna", "agree"), Refusal.INVALID_VALUE, id="mark-no-item"),
        pytest.param(_set("marks", "r1|anna", "agree"), Refusal.INVALID_VALUE, id="mark-a-rule"),
        pytest.param(_set("marks", "|anna", "agree"), Refusal.INVALID_VALUE, id="mark-empty-item"),
        # A claim is "claimed", on a rule of the plan that the network may take on.
        pytest.param(_set("claims", "r1|anna", True), Refusal.INVALID_VALUE, id="claim-bool"),
        pytest.param(_set("claims", "r1|anna", Map({"status": "claimed"})), Refusal.INVALID_VALUE, id="claim-map"),
        pytest.param(_set("claims", "r1|anna", "agreed"), Refusal.INVALID_VALUE, id="claim-word"),
        pytest.param(_set("claims", "geen|anna", "claimed"), Refusal.INVALID_VALUE, id="claim-no-rule"),
        pytest.param(_set("claims", "w1|anna", "claimed"), Refusal.INVALID_VALUE, id="claim-an-item"),
        pytest.param(_set("claims", "b1|anna", "claimed"), Refusal.NOT_ALLOWED, id="claim-a-bottom-line"),
    ],
)
def test_participant_writes_only_what_the_phone_writes(board: Doc[Any], change: Any, code: Refusal) -> None:
    state_before = board.get_update()
    assert refused_code(ANNA, board, edits(board, change)) == code
    assert board.get_update() == state_before


def test_the_facilitator_still_decides_and_the_author_still_withdraws(board: Doc[Any]) -> None:
    def decide(doc: Doc[Any]) -> None:
        doc.get("proposals", type=Map)["anna:open"]["status"] = "accepted"
        doc.get("proposals", type=Map)["anna:open"]["item"] = "w1"
        doc.get("proposals", type=Map)["anna:no"]["status"] = "open"

    attempt(FACILITATOR, board, edits(board, decide))
    attempt(ANNA, board, edits(board, lambda d: d.get("proposals", type=Map).pop("anna:open")))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d.get("marks", type=Map).__setitem__("w1|bob", "disagree"), id="someone-elses-mark"),
        pytest.param(lambda d: d.get("proposals", type=Map).pop("bob:1"), id="delete-someone-elses-proposal"),
        pytest.param(lambda d: d.get("framework", type=Map).pop("w1"), id="delete-framework-item"),
        pytest.param(lambda d: d.get("framework", type=Map)["w1"]["text"].insert(0, "NIET: "), id="edit-item-text"),
        pytest.param(lambda d: d.get("people", type=Map).__setitem__("anna", "facilitator"), id="rename-self"),
        pytest.param(
            lambda d: d.get("proposals", type=Map).__setitem__("anna:2", Map({"by": "bob"})), id="propose-as-other"
        ),
        pytest.param(lambda d: d.get("evil", type=Map).__setitem__("x", 1), id="new-root"),
    ],
)
def test_participant_cannot_touch_what_is_not_theirs(board: Doc[Any], change: Any) -> None:
    state_before = board.get_update()
    assert refused_code(ANNA, board, edits(board, change)) == Refusal.NOT_ALLOWED
    assert board.get_update() == state_before  # the live document never saw it


def test_mixed_update_is_refused_whole(board: Doc[Any]) -> None:
    def mixed(doc: Doc[Any]) -> None:
        doc.get("marks", type=Map)["w1|anna"] = "agree"
        doc.get("marks", type=Map)["w1|bob"] = "disagree"

    assert refused_code(ANNA, board, edits(board, mixed)) == Refusal.NOT_ALLOWED


@pytest.mark.parametrize("shape", ["list", "map"])
def test_a_root_outside_the_schema_that_a_facilitator_made_is_not_a_phone_s(board: Doc[Any], shape: str) -> None:
    """The guard's shadow lives on between updates: a root the facilitator adds later (the /r/<room>
    page's list, or any other) must be watched as well, or a phone's write inside it goes unseen."""
    guard = WriteGuard()
    guard.check(ANNA, BOARD, board, edits(board, lambda d: d.get("marks", type=Map).__setitem__("w1|anna", "agree")))

    def make(doc: Doc[Any]) -> None:
        if shape == "list":
            doc.get("items", type=Array).append("Oma belt op zondag")
        else:
            doc.get("extra", type=Map)["k"] = "Oma belt op zondag"

    made = edits(board, make)
    guard.check(FACILITATOR, BOARD, board, made)
    board.apply_update(made)

    def inside(doc: Doc[Any]) -> None:
        if shape == "list":
            doc.get("items", type=Array).append("ingevoegd")
        else:
            doc.get("extra", type=Map)["k2"] = "ingevoegd"

    with pytest.raises(Refused) as caught:
        guard.check(ANNA, BOARD, board, edits(board, inside))
    assert caught.value.code == Refusal.NOT_ALLOWED


def test_projector_writes_nothing(board: Doc[Any]) -> None:
    update = edits(board, lambda d: d.get("marks", type=Map).__setitem__("w1|x", "agree"))
    assert refused_code(PROJECTOR, board, update) == Refusal.NOT_ALLOWED


def test_facilitator_may_change_everything(board: Doc[Any]) -> None:
    def sweep(doc: Doc[Any]) -> None:
        doc.get("framework", type=Map).pop("w1")
        doc.get("proposals", type=Map).pop("bob:1")

    attempt(FACILITATOR, board, edits(board, sweep))


@pytest.mark.parametrize("value", [0, 10, 7.0])
def test_own_score_in_range_is_accepted(value: float) -> None:
    own: Doc[Any] = Doc()
    update = edits(own, lambda d: d.get("scores", type=Map).__setitem__("r1", Map({"value": value})))
    attempt(ANNA, own, update, "p.anna")


@pytest.mark.parametrize("value", [11, -1, 7.5, "7", True])
def test_score_outside_zero_to_ten_is_refused(value: object) -> None:
    own: Doc[Any] = Doc()
    update = edits(own, lambda d: d.get("scores", type=Map).__setitem__("r1", Map({"value": value})))
    assert refused_code(ANNA, own, update, "p.anna") == Refusal.INVALID_VALUE
    assert refused_code(FACILITATOR, own, update, "p.anna") == Refusal.INVALID_VALUE


@pytest.mark.parametrize("status", ["closed", "revealed", None])
def test_a_phone_scores_only_while_its_round_is_open(status: str | None) -> None:
    own: Doc[Any] = Doc()
    update = edits(own, lambda d: d.get("scores", type=Map).__setitem__("r1", Map({"value": 6})))
    board = with_round(status) if status else Doc()
    assert refused_code(ANNA, own, update, "p.anna", board) == Refusal.NOT_ALLOWED
    attempt(FACILITATOR, own, update, "p.anna", board)  # a correction after the round, e.g. for grandma


def test_score_for_someone_else_is_refused() -> None:
    other: Doc[Any] = Doc()
    update = edits(other, lambda d: d.get("scores", type=Map).__setitem__("r1", Map({"value": 3})))
    assert refused_code(ANNA, other, update, "p.bob") == Refusal.NOT_ALLOWED
    attempt(FACILITATOR, other, update, "p.bob")  # entering a score for someone without a phone


def test_participant_never_writes_the_private_document() -> None:
    private: Doc[Any] = Doc()
    update = edits(private, lambda d: d.get("notes", type=Map).__setitem__("n", "x"))
    assert refused_code(ANNA, private, update, "private") == Refusal.NOT_ALLOWED


def test_update_leaving_something_pending_is_refused(board: Doc[Any]) -> None:
    phone: Doc[Any] = Doc()
    phone.apply_update(board.get_update())
    updates: list[bytes] = []
    phone.observe(lambda event: updates.append(event.update))
    marks = phone.get("marks", type=Map)
    marks["w1|anna"] = "agree"
    marks["w1|anna"] = "disagree"
    # The second update alone depends on the first, which the server never got.
    assert refused_code(ANNA, board, updates[1]) == Refusal.INCOMPLETE


def test_own_write_that_loses_a_conflict_to_own_other_device_is_accepted() -> None:
    live: Doc[Any] = Doc()
    live.get("framework", type=Map)["f1"] = Map({"category": "harm", "text": Text("Max viel van de trap")})
    guard = WriteGuard()
    phone: Doc[Any] = Doc(client_id=2)
    tablet: Doc[Any] = Doc(client_id=1)
    for device in (phone, tablet):
        device.apply_update(live.get_update())
    phone.get("marks", type=Map)["f1|anna"] = "agree"
    tablet.get("marks", type=Map)["f1|anna"] = "disagree"
    for device in (phone, tablet):
        update = device.get_update(live.get_state())
        guard.check(ANNA, BOARD, live, update)  # the tablet's loses: nothing visible changes
        live.apply_update(update)
    assert live.get("marks", type=Map)["f1|anna"] in ("agree", "disagree")


def test_a_score_s_why_is_text_of_bounded_length() -> None:
    own: Doc[Any] = Doc()
    long_why = edits(own, lambda d: d.get("scores", type=Map).__setitem__("r1", Map({"value": 6, "why": "x" * 2001})))
    assert refused_code(ANNA, own, long_why, "p.anna") == Refusal.INVALID_VALUE
    not_text = edits(Doc(), lambda d: d.get("scores", type=Map).__setitem__("r1", Map({"value": 6, "why": 7})))
    assert refused_code(ANNA, Doc(), not_text, "p.anna") == Refusal.INVALID_VALUE
    fine = edits(Doc(), lambda d: d.get("scores", type=Map).__setitem__("r1", Map({"value": 6, "why": "x" * 2000})))
    attempt(ANNA, Doc(), fine, "p.anna")
