"""The board's list of people in a room, kept by the server from the participants table.

Phones and the projector show names from here (the projector only first names), so every change
of admission or name is written into the room's board document as the server.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from server.rooms.live import LiveRooms
from server.rooms.schema import BOARD
from server.store.models import Participant


async def show_person(live: LiveRooms, person: Participant) -> None:
    def mutate(doc: Doc[Any]) -> None:
        people = doc.get("people", type=Map)
        if person.status == "admitted":
            # First names only: every phone reads the board, and the wall is derived from it.
            people[person.id] = Map({"name": first_name(person.name), "relation": person.relation})
        elif person.id in people:
            del people[person.id]

    await live.edit(person.room_id, BOARD, mutate)


def first_name(name: str) -> str:
    return name.strip().split(" ")[0] if name.strip() else ""
