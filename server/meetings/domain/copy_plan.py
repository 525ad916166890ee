"""What a copy between the rooms of a split meeting would write: the plan, its digest, and the writer.

Only the framework, the agreements and "shared" child-tool entries may cross; nothing sensitive,
nothing facilitator-only (those are in the source room's `private` document, not on its board) and
no attribution (it names someone of the other parent's network).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Map, Text

from server.rooms.schema import CHILD_TOOLS, LEVELLED_ROOTS

COPYABLE_ROOTS = ("framework", "agreements", CHILD_TOOLS)


@dataclass
class CopyPlan:
    items: list[dict[str, Any]] = field(default_factory=list)  # {root, key, value, replaces}
    refused: list[dict[str, str]] = field(default_factory=list)  # {root, key, reason}

    @property
    def digest(self) -> str:
        chosen = [[i["root"], i["key"], i["value"]] for i in self.items]
        return hashlib.sha256(json.dumps(chosen, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def as_json(self) -> dict[str, Any]:
        return {"items": self.items, "refused": self.refused, "digest": self.digest}


def _is_sensitive(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value.get("sensitive")) or any(_is_sensitive(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_sensitive(v) for v in value)
    return False


_ATTRIBUTION = ("by", "raised_by", "owners", "marks", "check_by")  # check_by may name the other side's network


def plan(source: Doc[Any], target: Doc[Any], wanted: list[tuple[str, str]], hidden: Doc[Any] | None = None) -> CopyPlan:
    """`hidden` is the source room's `private` document: an entry there is refused as facilitator-only."""
    result = CopyPlan()
    for root, key in wanted:
        if root not in COPYABLE_ROOTS:
            result.refused.append({"root": root, "key": key, "reason": "not_allowed"})
            continue
        if (
            root in LEVELLED_ROOTS
            and hidden is not None
            and key not in source.get(root, type=Map)
            and key in hidden.get(root, type=Map)
        ):
            result.refused.append({"root": root, "key": key, "reason": "facilitator_only"})
            continue
        item = source.get(root, type=Map).get(key)
        value = item.to_py() if isinstance(item, Map) else None
        if isinstance(value, dict):
            # Who raised an item or owns a rule names someone of the other parent's network.
            value = {k: v for k, v in value.items() if k not in _ATTRIBUTION}
        if not isinstance(value, dict):
            result.refused.append({"root": root, "key": key, "reason": "not_found"})
        elif _is_sensitive(value):
            result.refused.append({"root": root, "key": key, "reason": "sensitive"})
        elif root == CHILD_TOOLS and value.get("visibility") != "shared":
            # What the child said in one parent's room stays there unless the consent says shared.
            result.refused.append({"root": root, "key": key, "reason": "not_shared"})
        else:
            replaces = key in target.get(root, type=Map)
            result.items.append({"root": root, "key": key, "value": value, "replaces": replaces})
    return result


def board_value(value: Any, name: str | None = None) -> Any:
    """A plain value read with to_py() turned back into what the board holds: maps stay shared
    maps and an item's `text` stays collaboratively editable."""
    if isinstance(value, dict):
        return Map({k: board_value(v, k) for k, v in value.items()})
    if name == "text" and isinstance(value, str):
        return Text(value)
    return value


def writer(items: list[dict[str, Any]]) -> Any:
    def mutate(doc: Doc[Any]) -> None:
        for item in items:
            doc.get(item["root"], type=Map)[item["key"]] = board_value(item["value"])

    return mutate
