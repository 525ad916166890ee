"""What reaches a phone's socket, byte for byte, while the facilitator keeps items and rules to
themselves: added, edited, moved from the board to the facilitators' `private` document and back.

The phone is the projector test's raw socket (tests/test_wall_socket.py) speaking for the board: it
keeps every frame, so nothing a client library decodes away can hide a leak.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from pycrdt import Array, Doc, Map, Text, create_sync_message, create_update_message, handle_sync_message

from server.meetings.domain.people import show_person
from tests.meetings_helpers import live_of, store_of
from tests.test_wall_socket import BoardSocket, RawWall, _check, _meeting, _replace
from tests.utils import RunningServer, eventually

# Every facilitator-only text starts with this.
CANARY = "KANARIE"


class RawPhone(RawWall):
    """A participant's socket: the board instead of the wall, with everything it received."""

    async def connect(self, token: str) -> None:
        await self._connect_as({"token": token})

    async def _connect_as(self, auth: dict[str, str]) -> None:
        self._http = aiohttp.ClientSession()
        ws_url = self.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        self._ws = await self._http.ws_connect(ws_url, headers={"Origin": self.url}, compress=0)
        self._reader = asyncio.create_task(self._read())
        await self._send({"type": 0, "nsp": "/", "data": auth})
        await eventually(lambda: _check(any(e[0] == "sync" and e[1] == "board" for e in self.events)))
        # Its own step 1, as the web client sends: the server answers with the board it lacks.
        ack = await self.call("sync", "board", create_sync_message(self.doc))
        assert ack["ok"] is True, ack

    def _event(self, data: list[Any]) -> None:
        self.events.append(data)
        if data[0] == "sync" and data[1] == "board":
            handle_sync_message(data[2][1:], self.doc)  # its answer to the server's step 1 is not needed here

    def texts(self, root: str) -> dict[str, str]:
        return {k: str(v.get("text")) for k, v in self.doc.get(root, type=Map).items() if isinstance(v, Map)}


def _copy(entry: Map[Any]) -> Map[Any]:
    """An entry made anew for another document, as web/src/actions/facilitator.js copyOf does."""
    fields: dict[str, Any] = {}
    for name, value in entry.items():
        if isinstance(value, Text):
            fields[name] = Text(str(value))
        elif isinstance(value, Array):
            fields[name] = Array(list(value))
        else:
            fields[name] = value
    return Map(fields)


async def test_a_phone_receives_no_byte_of_what_is_facilitator_only(server: RunningServer) -> None:
    async with _meeting(server) as (_fatima, room, board):
        store, live = store_of(server), live_of(server)
        person, token = await store.add_participant(room, "Truus Jansen", "family", admitted=True)
        await show_person(live, person)
        phone = RawPhone(server.url)
        await phone.connect(token)
        private: Doc[Any] = Doc()  # the room's private document is empty until now
        framework, agreements = board.root("framework"), board.root("agreements")
        hidden_items, hidden_rules = private.get("framework", type=Map), private.get("agreements", type=Map)

        # Facilitator-only from the start: an item and a rule, each edited.
        item = Map({"category": "danger", "text": Text(f"{CANARY} adres"), "by": "f:1", "sensitive": True})
        await board.change("private", lambda d: hidden_items.__setitem__("p1", item), private)
        await board.change("private", lambda d: _replace(hidden_items["p1"]["text"], f"{CANARY} nieuw adres"), private)
        rule = Map({"section": "immediate", "text": Text(f"{CANARY} regel"), "owners": Array([person.id])})
        await board.change("private", lambda d: hidden_rules.__setitem__("pr1", rule), private)
        await board.change("private", lambda d: hidden_rules["pr1"].__setitem__("when", f"{CANARY} wanneer"), private)

        # On the board (sensitive: the phone sees it), marked and claimed by the phone's person,
        # then made facilitator-only as the console does: into private first, then off the board.
        await board.change(
            "board",
            lambda d: framework.__setitem__(
                "m1", Map({"text": Text("Moeder verhuist"), "category": "danger", "sensitive": True})
            ),
        )
        await board.change(
            "board",
            lambda d: agreements.__setitem__(
                "r1", Map({"section": "immediate", "text": Text("Oma belt elke avond"), "owners": Array([])})
            ),
        )
        await board.change("board", lambda d: board.root("marks").__setitem__(f"m1|{person.id}", "agree"))
        await board.change("board", lambda d: board.root("claims").__setitem__(f"r1|{person.id}", "claimed"))
        await eventually(lambda: _check(phone.texts("framework").get("m1") == "Moeder verhuist"))
        await eventually(lambda: _check("r1" in phone.texts("agreements")))
        for root, key, on in (("framework", "m1", "marks"), ("agreements", "r1", "claims")):
            entry = board.root(root)[key]
            await board.change(
                "private", lambda d, e=entry, r=root, k=key: d.get(r, type=Map).__setitem__(k, _copy(e)), private
            )

            def take_off(d: Doc[Any], r: str = root, k: str = key, o: str = on) -> None:
                del board.root(r)[k]
                del board.root(o)[f"{k}|{person.id}"]

            await board.change("board", take_off)
        # Edited while facilitator-only.
        await board.change("private", lambda d: _replace(hidden_items["m1"]["text"], f"{CANARY} codewoord"), private)
        await board.change(
            "private", lambda d: hidden_rules["r1"].__setitem__("check_by", f"{CANARY} door wie"), private
        )
        # And one back to the board (as sensitive), with words the phones may have.
        await board.change("private", lambda d: _replace(hidden_items["p1"]["text"], "Opa komt op zondag"), private)
        back = _copy(hidden_items["p1"])
        await board.change("board", lambda d: framework.__setitem__("p1", back))
        await board.change("private", lambda d: hidden_items.__delitem__("p1"), private)

        # The barrier: the board's last write reaches the phone after everything before it.
        await board.change("board", lambda d: framework.__setitem__("last", Map({"text": "Einde", "category": "grey"})))
        await eventually(lambda: _check("last" in phone.texts("framework")))
        assert phone.texts("framework") == {"p1": "Opa komt op zondag", "last": "Einde"}
        assert phone.texts("agreements") == {}
        assert phone.doc.get("marks", type=Map).to_py() in ({}, None)
        received = phone.received()
        assert CANARY.encode() not in received
        assert b"private" not in received  # not even the document's name
        assert b"Moeder verhuist" in received  # it was on the phones before it was made facilitator-only
        await phone.close()

        # A phone that comes now gets the board as it is, and nothing of what left it.
        other, other_token = await store.add_participant(room, "Karel Smit", "friend", admitted=True)
        await show_person(live, other)
        fresh = RawPhone(server.url)
        await fresh.connect(other_token)
        await eventually(lambda: _check("last" in fresh.texts("framework")))
        assert fresh.texts("framework") == {"p1": "Opa komt op zondag", "last": "Einde"}
        # (A deleted entry's key stays, as a tombstone without content: keys are made of time and chance.)
        for gone in (CANARY.encode(), b"Moeder", b"verhuist", b"Oma belt", b"elke avond"):
            assert gone not in fresh.received(), gone
        await fresh.close()

        # The facilitator's console still has them, in private.
        kept = await live.copy_of(room, "private")
        assert str(kept.get("framework", type=Map)["m1"]["text"]) == f"{CANARY} codewoord"
        assert "r1" in kept.get("agreements", type=Map) and "pr1" in kept.get("agreements", type=Map)


async def test_a_phone_may_not_write_into_private_nor_read_it(server: RunningServer) -> None:
    async with _meeting(server) as (_fatima, room, _board):
        person, token = await store_of(server).add_participant(room, "Truus Jansen", "family", admitted=True)
        await show_person(live_of(server), person)
        phone = BoardSocket(server.url)
        await phone.connect({"token": token})
        writer: Doc[Any] = Doc()
        writer.get("framework", type=Map)["x"] = Map({"text": "van de telefoon", "category": "harm"})
        ack = await phone.sio.call("sync", ("private", create_update_message(writer.get_update())), timeout=5)
        assert ack["ok"] is False and ack["code"] == "not_allowed", ack
        ack = await phone.sio.call("sync", ("private", create_sync_message(Doc())), timeout=5)
        assert ack["ok"] is False and ack["code"] == "not_allowed", ack
        kept = await live_of(server).copy_of(room, "private")
        assert "x" not in kept.get("framework", type=Map)
        await phone.close()
