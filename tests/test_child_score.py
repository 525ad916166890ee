"""A child in the child view scores the scaling question: the child document says which rounds are
open (their key and order, never the question's words or anyone's score), and the write check lets
the child write its own score into its own document while the round is open, and nothing else."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map, Text, create_sync_message, create_update_message

from tests.meetings_helpers import facilitator, live_of, split_meeting, store_of
from tests.test_child_view import RawChild, _check
from tests.utils import RunningServer, eventually

SECRET = "KANARIE"


def _score(doc: Doc[Any], value: Any, round_id: str = "q1") -> bytes:
    """A score written on the phone's copy of a document, as the update that carries it (after what
    the copy held, so that it overwrites rather than races an earlier score)."""
    before = doc.get_state()
    doc.get("scores", type=Map)[round_id] = Map({"value": value, "why": ""})
    return create_update_message(doc.get_update(before))


async def test_a_child_scores_its_own_score_in_an_open_round_and_nothing_else(server: RunningServer) -> None:
    async with facilitator(server, "fatima@jeugdzorg.test") as fatima:
        room = (await split_meeting(fatima, rooms=[]))["rooms"][0]["id"]
        store = store_of(server)
        child_person, token = await store.add_participant(room, "Sem", "child", admitted=True)
        aunt, _token = await store.add_participant(room, "Oma", "family", admitted=True)
        pid = child_person.id
        live = live_of(server)

        def open_round(doc: Doc[Any]) -> None:
            poll = doc.get("poll", type=Map)
            poll["q1"] = Map({"title": Text(f"{SECRET} hoe veilig"), "status": "open", "order": 1, "pair": "d1"})
            poll["q0"] = Map({"title": Text(f"{SECRET} eerder"), "status": "revealed", "order": 0})

        await live.edit(room, "board", open_round)
        child = RawChild(server.url)
        await child.connect(token)
        assert (await child.call("sync", "child", create_sync_message(Doc()))) == {"ok": True}
        await eventually(lambda: _check(child.shows()["poll"] == {"q1": {"status": "open", "order": 1.0}}))

        # Its own score, in its own document: stored.
        mine: Doc[Any] = Doc()
        ack = await child.call("sync", f"p.{pid}", _score(mine, 7))
        assert ack["ok"] is True, ack
        own = await live.copy_of(room, f"p.{pid}")
        assert own.get("scores", type=Map)["q1"]["value"] == 7

        # An 11, and a score in someone else's document: refused with the reason, nothing changed.
        ack = await child.call("sync", f"p.{pid}", _score(mine, 11))
        assert ack["ok"] is False and ack["code"] == "invalid_value", ack
        assert ack["message"], ack
        ack = await child.call("sync", f"p.{aunt.id}", _score(Doc(), 3))
        assert ack["ok"] is False and ack["code"] == "not_allowed", ack
        assert (await live.copy_of(room, f"p.{pid}")).get("scores", type=Map)["q1"]["value"] == 7
        assert "q1" not in (await live.copy_of(room, f"p.{aunt.id}")).get("scores", type=Map)

        # The round closes: gone from the child document, and a late score is refused.
        await live.edit(room, "board", lambda d: d.get("poll", type=Map)["q1"].__setitem__("status", "closed"))
        await eventually(lambda: _check(child.shows()["poll"] == {}))
        # Written on a copy that holds the stored 7, as the phone's own copy would: a score from a copy
        # that never saw it races it, and Yjs may let the 7 win, so nothing would change to refuse.
        late: Doc[Any] = Doc()
        late.apply_update((await live.copy_of(room, f"p.{pid}")).get_update())
        ack = await child.call("sync", f"p.{pid}", _score(late, 8))
        assert ack["ok"] is False and ack["code"] == "not_allowed", ack

        # Never the question's words, never the board.
        assert SECRET.encode() not in child.received()
        ack = await child.call("sync", "board", create_sync_message(Doc()))
        assert ack["ok"] is False and ack["code"] == "not_allowed", ack
        await child.close()
