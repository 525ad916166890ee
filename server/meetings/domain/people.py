"""The board's list of people in a room, kept by the server from the participants table.

Phones and the projector show names from here (the projector only first names), so every change
of admission or name is written into the room's board document as the server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pycrdt import Doc, Map

from server.rooms.live import LiveRooms
from server.rooms.schema import BOARD
from server.store.models import Participant


async def show_person(live: LiveRooms, person: Participant, room: Sequence[Participant] = ()) -> None:
    """Write `person` onto their room's board (or take them off it). `room`, the room's participants
    with their full names, lets the board tell apart two people of the same first name: each of
    them gets their surname's `initial`, and only they (see shown_names)."""
    full = {p.id: p.name for p in room}
    full[person.id] = person.name

    def mutate(doc: Doc[Any]) -> None:
        people = doc.get("people", type=Map)
        if person.status == "admitted":
            # First names only: every phone reads the board, and the wall is derived from it.
            shown: dict[str, Any] = {"name": first_name(person.name), "relation": person.relation}
            if person.in_person:
                shown["in_person"] = True  # the wall counts them as here: they have no phone to connect
            people[person.id] = Map(shown)
        elif person.id in people:
            del people[person.id]
        entries = {pid: entry for pid, entry in people.items() if isinstance(entry, Map)}
        shared = _shared_first_names({pid: str(entry.get("name", "")) for pid, entry in entries.items()})
        for pid, entry in entries.items():
            initial = surname_initial(full.get(pid, "")) if pid in shared else ""
            if initial and entry.get("initial") != initial:
                entry["initial"] = initial
            elif not initial and "initial" in entry:
                del entry["initial"]

    await live.edit(person.room_id, BOARD, mutate)


def first_name(name: str) -> str:
    return name.strip().split(" ")[0] if name.strip() else ""


def surname_initial(name: str) -> str:
    """The first letter of a name's last word, if it has more than one ("Kees de Vries": "V")."""
    words = name.split()
    return words[-1][:1].upper() if len(words) > 1 else ""


def _shared_first_names(first_names: Mapping[str, str]) -> set[str]:
    """The people whose first name someone else has too."""
    counts: dict[str, int] = {}
    for name in first_names.values():
        if name.strip():
            counts[name.strip().casefold()] = counts.get(name.strip().casefold(), 0) + 1
    return {pid for pid, name in first_names.items() if counts.get(name.strip().casefold(), 0) > 1}


def shown_names(people: Mapping[str, Mapping[str, Any]], role: Callable[[str], str]) -> dict[str, str]:
    """How each person is named where first names are shown: the first name, and for two people of
    the same first name, the initial of the surname ("Kees V.") if it tells them apart, else their
    role ("Kees (ouder)"), else both. `people`: {pid: {name: first name, relation, initial}}; `role`
    names a relation. The one rule for the whole product: web/src/names.js is the same, line for line.
    A person without a name is shown by their role."""
    firsts = {pid: str(p.get("name") or "").strip() for pid, p in people.items()}
    shared = _shared_first_names(firsts)
    shown: dict[str, str] = {}
    for pid, person in people.items():
        first = firsts[pid]
        relation = str(person.get("relation") or "")
        if not first:
            shown[pid] = role(relation) or relation
            continue
        if pid not in shared:
            shown[pid] = first
            continue
        same = [q for q in shared if q != pid and firsts[q].casefold() == first.casefold()]
        initial = str(person.get("initial") or "")
        label = role(relation) or relation
        if initial and all(str(people[q].get("initial") or "") != initial for q in same):
            shown[pid] = f"{first} {initial}."
        elif label and all(str(people[q].get("relation") or "") != relation for q in same):
            shown[pid] = f"{first} ({label})"
        elif initial:
            shown[pid] = f"{first} {initial}. ({label})" if label else f"{first} {initial}."
        else:
            shown[pid] = f"{first} ({label})" if label else first
    return shown
