"""`python -m bench.models`: what validating an API body costs, with pydantic v2 and with msgspec.

Two bodies, each valid and refused: the join (`POST /api/join {code, name, relation}`, the path a
room full of phones takes at once) and a meeting's creation with rooms that continue earlier rooms
(the largest body with rules across fields). pydantic is the server's own models
(server.meetings.http.bodies); msgspec is an equivalent written here, giving the same codes and messages
(checked below before anything is timed). Each figure is one call from the body's bytes to the typed
value or the ApiError. Then the CPU time and resident memory of importing each library (and the
server module before and after), in fresh interpreters: CPU time, because wall time on a shared
machine mostly measures the neighbours.
See docs/performance.md, "API body validation".
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any, Literal

import msgspec

from server.meetings.http import bodies, fields
from server.meetings.http.endpoint import ApiError
from server.store.meetings import RELATIONS

# -- the msgspec equivalent ---------------------------------------------------------------------------
# msgspec stops at the first error in the order of the JSON text, reports it as text ("Expected
# `str`, got `int` - at `$.name`"), and has no trimming: the field is read back out of the message,
# and the one-line rule is checked by hand in __post_init__ (an ApiError raised there passes through).

RelationLiteral = Literal[RELATIONS]  # type: ignore[valid-type]


def _line(value: str, field: str, max_length: int) -> str:
    value = value.strip()
    if not 1 <= len(value) <= max_length or any(ord(c) < 32 or ord(c) == 127 for c in value):
        problem = {"type": "string_too_long", "loc": (field,), "msg": "", "input": None}
        raise fields.Line(max_length).error(field, problem)  # type: ignore[arg-type]
    return value


class MsJoin(msgspec.Struct):
    name: str
    relation: RelationLiteral  # type: ignore[valid-type]
    code: Any = None

    def __post_init__(self) -> None:
        self.name = _line(self.name, "name", bodies.MAX_PERSON_NAME)


class MsRoom(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    continues: Annotated[str, msgspec.Meta(min_length=1, max_length=bodies.MAX_LINK)] | None = None


class MsMeeting(msgspec.Struct):
    title: str
    rooms: Annotated[list[str | MsRoom], msgspec.Meta(max_length=bodies.MAX_ROOMS)] | None = None

    def __post_init__(self) -> None:
        self.title = _line(self.title, "title", bodies.MAX_TITLE)
        rooms = [MsRoom(name=r) if isinstance(r, str) else r for r in self.rooms or []]
        for room in rooms:
            room.name = _line(room.name, "rooms", bodies.MAX_ROOM_NAME)
        self.rooms = list(rooms)
        try:  # the rules across fields: the pydantic model's own check, on these rooms
            bodies.NewMeeting.distinct_rooms(SimpleNamespace(rooms=rooms))  # type: ignore[arg-type]
        except fields.Refused as refused:
            raise refused.error from None


_AT = re.compile(r"`\$\.(\w+)")
_MISSING = re.compile(r"missing required field `(\w+)`")


def _ms_refusal(model: type[bodies.Body], error: msgspec.ValidationError) -> ApiError:
    text = str(error)
    found = _AT.search(text) or _MISSING.search(text)
    field = found.group(1) if found else ""
    kind = "string_type" if "Expected `str`" in text or "missing" in text else "string_too_long"
    info = model.model_fields.get(field)
    for meta in info.metadata if info is not None else ():
        if callable(getattr(meta, "error", None)):
            return meta.error(field, {"type": kind, "loc": (field, 0), "msg": "", "input": None})  # type: ignore[no-any-return]
    return ApiError(400, "bad_json", "Verwacht een JSON-object. / Expected a JSON object.")


def ms_parse(struct: type[msgspec.Struct], model: type[bodies.Body]) -> Callable[[bytes], object]:
    decoder = msgspec.json.Decoder(struct)

    def parse(raw: bytes) -> object:
        try:
            return decoder.decode(raw)
        except msgspec.ValidationError as error:
            raise _ms_refusal(model, error) from None

    return parse


def pd_parse(model: type[bodies.Body]) -> Callable[[bytes], object]:
    return lambda raw: bodies.parse(model, raw)


# -- the bodies -----------------------------------------------------------------------------------

_ROOM_ID = "a1b2c3d4e5f6a7b8c9d0e1f2"
CASES: list[tuple[str, type[bodies.Body], type[msgspec.Struct], dict[str, Any]]] = [
    ("join", bodies.Join, MsJoin, {"code": "1234 5678", "name": "Oma Truus", "relation": "family"}),
    ("join, bad name", bodies.Join, MsJoin, {"code": "12345678", "name": "   ", "relation": "family"}),
    (
        "meeting, 3 rooms",
        bodies.NewMeeting,
        MsMeeting,
        {
            "title": "Netwerkberaad 2",
            "rooms": [
                {"name": "Moeder", "continues": _ROOM_ID},
                {"name": "Vader", "continues": _ROOM_ID[::-1]},
                "Professionals",
            ],
        },
    ),
    (
        "meeting, same name twice",
        bodies.NewMeeting,
        MsMeeting,
        {"title": "Netwerkberaad 2", "rooms": ["Moeder", {"name": "moeder "}]},
    ),
]


def _outcome(parse: Callable[[bytes], object], raw: bytes) -> object:
    try:
        return parse(raw)
    except ApiError as error:
        return (error.status, error.code, error.message)


def _timed(parse: Callable[[bytes], object], raw: bytes, calls: int) -> tuple[float, float]:
    for _ in range(min(calls, 2000)):  # warm-up
        _outcome(parse, raw)
    times = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        start = clock()
        _outcome(parse, raw)
        times.append(clock() - start)
    times.sort()
    return times[len(times) // 2] / 1000, times[int(len(times) * 0.99)] / 1000


_IMPORTS = {
    "nothing (baseline)": "pass",
    "msgspec + a Struct": "import msgspec\nclass J(msgspec.Struct):\n    name: str\n"
    'msgspec.json.decode(b\'{"name": "x"}\', type=J)',
    "pydantic + a model": "from pydantic import BaseModel\nclass J(BaseModel):\n    name: str\n"
    'J.model_validate_json(b\'{"name": "x"}\')',
    "server.meetings.http.endpoint (before)": "import server.meetings.http.endpoint",
    "server.meetings.http.bodies (after)": "import server.meetings.http.bodies",
}
_PROBE = (
    "import time\nt = time.process_time()\n{code}\nt = time.process_time() - t\n"
    "rss = next(x for x in open('/proc/self/status') if x.startswith('VmRSS:')).split()[1]\nprint(t, rss)"
)


def _import_cost(code: str, runs: int) -> tuple[float, float]:
    seconds, rss = [], []
    for _ in range(runs):
        probe = [sys.executable, "-c", _PROBE.format(code=code)]
        out = subprocess.run(probe, capture_output=True, text=True, check=True)
        took, kib = out.stdout.split()
        seconds.append(float(took))
        rss.append(int(kib) / 1024)
    return statistics.median(seconds) * 1000, statistics.median(rss)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.models", description=__doc__)
    parser.add_argument("--calls", type=int, default=50_000, help="validations per body and library")
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per import figure")
    args = parser.parse_args(argv)

    print(f"pydantic {__import__('pydantic').VERSION}, msgspec {msgspec.__version__}, Python {sys.version.split()[0]}")
    print(f"{'body':28} {'library':9} {'p50 µs':>8} {'p99 µs':>8}  outcome")
    for name, model, struct, body in CASES:
        raw = json.dumps(body).encode()
        pd, ms = pd_parse(model), ms_parse(struct, model)
        pd_out, ms_out = _outcome(pd, raw), _outcome(ms, raw)
        if isinstance(pd_out, tuple) or isinstance(ms_out, tuple):
            assert pd_out == ms_out, (name, pd_out, ms_out)  # the same refusal, word for word
        for library, parse in (("pydantic", pd), ("msgspec", ms)):
            p50, p99 = _timed(parse, raw, args.calls)
            shown = pd_out[1] if isinstance(pd_out, tuple) else "valid"
            print(f"{name:28} {library:9} {p50:8.2f} {p99:8.2f}  {shown}")
    print()
    print(f"{'import (fresh interpreter)':32} {'CPU ms':>7} {'RSS MiB':>8}")
    for label, code in _IMPORTS.items():
        ms_, mib = _import_cost(code, args.runs)
        print(f"{label:32} {ms_:7.1f} {mib:8.1f}")


if __name__ == "__main__":
    main()
