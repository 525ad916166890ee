"""Write permissions checked on a shadow document, without sockets or a database."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc, Map, Text

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
    return doc


def attempt(identity: Identity, live: Doc[Any], update: bytes, doc_name: str = BOARD) -> None:
    shadow = Shadow(doc_name)
    touches = shadow.trial(live, update)
    check_write(identity, doc_name, touches, shadow.doc)


def refused_code(identity: Identity, live: Doc[Any], update: bytes, doc_name: str = BOARD) -> Refusal:
    with pytest.raises(Refused) as caught:
        attempt(identity, live, update, doc_name)
    return caught.value.code


def test_participant_may_propose_mark_and_claim_as_themselves(board: Doc[Any]) -> None:
    def mine(doc: Doc[Any]) -> None:
        doc.get("proposals", type=Map)["anna:7"] = Map({"by": "anna", "text": "Ik breng Max naar school"})
        doc.get("marks", type=Map)["w1|anna"] = "disagree"
        doc.get("claims", type=Map)["r1|anna"] = Map({"status": "claimed"})

    attempt(ANNA, board, edits(board, mine))


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
    guard = WriteGuard()
    phone: Doc[Any] = Doc(client_id=2)
    tablet: Doc[Any] = Doc(client_id=1)
    phone.get("marks", type=Map)["f1|anna"] = "agree"
    tablet.get("marks", type=Map)["f1|anna"] = "disagree"
    for device in (phone, tablet):
        guard.check(ANNA, BOARD, live, device.get_update())  # the tablet's loses: nothing visible changes
        live.apply_update(device.get_update())
    assert live.get("marks", type=Map)["f1|anna"] in ("agree", "disagree")
