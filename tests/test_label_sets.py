"""Label sets are configuration: the index lists them, each is a file of the same shape, and the
server (exports) and the web client (web/src/labels.js) read the same index."""

from __future__ import annotations

import json

from server.meetings.render.wording import LABEL_SETS, LABELS_DIR, label_set


def test_every_listed_set_is_a_complete_file_and_every_file_is_listed() -> None:
    index = json.loads((LABELS_DIR / "index.json").read_text(encoding="utf-8"))
    assert tuple(index["sets"]) == LABEL_SETS
    files = {p.stem for p in LABELS_DIR.glob("*.json")} - {"index"}
    assert files == set(LABEL_SETS)
    reference = set(label_set("nl"))
    for name in LABEL_SETS:
        words = label_set(name)
        assert set(words) == reference, name  # the same keys: a set can replace another
        assert len(words["categories"]) == len(label_set("nl")["categories"])
    assert {"nl", "en"} <= set(LABEL_SETS)  # Dutch (the default) and English ship
    assert any(name.startswith("early-help") for name in LABEL_SETS)  # and the early-help wording


def test_the_client_reads_the_index_it_is_served() -> None:
    source = (LABELS_DIR.parent.parent / "src" / "labels.js").read_text(encoding="utf-8")
    assert "/static/labels/index.json" in source
