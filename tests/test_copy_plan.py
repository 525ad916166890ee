"""What a copy between the rooms of a split meeting carries: the rule, never who is behind it."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from server.meetings.domain.copy_plan import plan


def test_a_copied_rule_leaves_its_owners_and_its_checker_behind() -> None:
    source: Doc[Any] = Doc()
    source.get("agreements", type=Map)["r1"] = Map(
        {
            "text": "De kinderen zijn nooit alleen met vader",
            "owners": Map({"p1": "claimed"}),
            "check": "Bij elk bezoek",
            "check_by": "Oma Truus",  # a person of this parent's network
            "section": "immediate",
        }
    )
    copied = plan(source, Doc(), [("agreements", "r1")])
    assert copied.refused == []
    [item] = copied.items
    assert item["value"] == {
        "text": "De kinderen zijn nooit alleen met vader",
        "check": "Bij elk bezoek",
        "section": "immediate",
    }
