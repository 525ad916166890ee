"""Checking a write before it reaches the live document.

An update is first applied to a shadow copy of the document with deep observers on every root; the
events say which keys it touched. Only if every touched key belongs to the writer (and every value
it leaves there is valid) does the live document see the update. A refused update leaves the live
document exactly as it was; the shadow, which did see it, is rebuilt from the live one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pycrdt import Array, Doc, Map, Text

from server.compat import root_names
from server.crdt import CorruptUpdate, apply_checked, missing_after_apply
from server.protocol import Refusal, Refused
from server.rooms.schema import (
    BOARD,
    CATEGORIES,
    CLAIMED,
    MARKS,
    MAX_PROPOSAL_TEXT,
    OWN_PREFIX,
    PRIVATE,
    PROPOSAL_DECISION_FIELDS,
    PROPOSAL_FIELDS,
    PROPOSAL_OPEN,
    Identity,
    roots_of,
)

# Root handles per document: `Doc.get` makes a new handle (and a transaction) on every call, which
# was a fifth of the check's cost. A root of a document is the same branch for the document's life.
# The handles hang on the document itself: a handle refers to its document, so a global map keyed
# (even weakly) by documents would keep every shadow copy alive. A handle also makes a cycle with its
# document, which `forget_root_handles` breaks when the document is let go.
_ROOTS_ATTRIBUTE = "_kring_root_handles"


def _root(doc: Doc[Any], name: str) -> Map[Any]:
    roots: dict[str, Map[Any]] | None = getattr(doc, _ROOTS_ATTRIBUTE, None)
    if roots is None:
        roots = {}
        setattr(doc, _ROOTS_ATTRIBUTE, roots)
    root = roots.get(name)
    if root is None:
        root = roots[name] = doc.get(name, type=Map)
    return root


def forget_root_handles(doc: Doc[Any]) -> None:
    """Drop the cached handles, so that the document is freed as soon as it is let go."""
    if hasattr(doc, _ROOTS_ATTRIBUTE):
        delattr(doc, _ROOTS_ATTRIBUTE)


@dataclass(frozen=True)
class Touch:
    root: str
    key: str  # the top-level key in that root ("" when the root itself changed shape)


class Shadow:
    """A copy of one live document, used to find out what an update would touch."""

    def __init__(self, doc_name: str) -> None:
        self.doc_name = doc_name
        self.stale = True
        self.doc: Doc[Any] = Doc()
        self._touches: list[Touch] = []
        self._observed: list[tuple[Map[Any] | Array[Any], Any]] = []  # roots and subscriptions kept alive
        self._watched: set[str] = set()  # every root of `doc` once `_watch_other_roots` has run

    def _rebuild(self, live: Doc[Any]) -> None:
        self.dispose()  # the old copy goes with its observers, which hold this shadow
        self.doc = Doc()
        self._touches = []
        self._observed = []
        self._watched = set()
        for root in roots_of(self.doc_name):
            self._watch(root, _root(self.doc, root))
        self.doc.apply_update(live.get_update())
        self._watch_other_roots(root_names(self.doc))
        self._touches.clear()
        self.stale = False

    def _watch(self, root: str, shared: Map[Any] | Array[Any]) -> None:
        self._observed.append((shared, shared.observe_deep(self._recorder(root))))
        self._watched.add(root)

    def _watch_other_roots(self, names: set[str]) -> None:
        """Observe the roots (of `names`, the document's) the schema does not name that someone (a
        facilitator) has made.

        Unobserved, a phone's write inside one would touch nothing the check sees. Such a root's
        shape is not in the update log, so it is read off the content: a list has entries by
        position, anything else is watched as a map. Any touch there is never a participant's."""
        for root in names - self._watched:
            as_list = self.doc.get(root, type=Array)
            self._watch(root, as_list if len(as_list) else self.doc.get(root, type=Map))

    def dispose(self) -> None:
        for shared, subscription in self._observed:
            shared.unobserve(subscription)
        self._observed = []
        forget_root_handles(self.doc)

    def _recorder(self, root: str) -> Any:
        # pycrdt passes the transaction as a second argument to callbacks that take one.
        def record(events: list[Any]) -> None:
            self._record(root, events)

        return record

    def _record(self, root: str, events: list[Any]) -> None:
        for event in events:
            path = list(event.path)
            if path:
                self._touches.append(Touch(root, str(path[0])))
            elif hasattr(event, "keys"):
                # A map event with no keys changed nothing visible (e.g. a write that lost a
                # concurrent conflict to the same person's other device): nothing was touched.
                self._touches.extend(Touch(root, str(key)) for key in event.keys)
            else:
                self._touches.append(Touch(root, ""))  # a root of another shape: never a participant's

    def trial(self, live: Doc[Any], update: bytes) -> list[Touch]:
        """Apply `update` to the shadow only; returns the keys it touched."""
        if self.stale:
            self._rebuild(live)
        # The shadow changes only here: the roots it has now are those the last trial left, and
        # every one of them is watched (a new one, which only a facilitator may add, from then on).
        self._touches = []
        try:
            apply_checked(self.doc, update)
        except (CorruptUpdate, ValueError) as exc:
            self.stale = True
            raise Refused(Refusal.MALFORMED) from exc
        touches = self._touches
        self._touches = []
        names = root_names(self.doc)
        if len(names) != len(self._watched):
            # A root the schema does not have is a touch like any other: only a facilitator may add one.
            touches += [Touch(root, "") for root in names - self._watched - set(roots_of(self.doc_name))]
            self._watch_other_roots(names)
        if missing_after_apply(update, self.doc):
            # A write must stand on its own: a part left pending here would later be integrated
            # inside someone else's transaction, unchecked (and Yrs 0.28 can crash doing so).
            self.stale = True
            raise Refused(Refusal.INCOMPLETE)
        return touches


def check_write(
    identity: Identity,
    doc_name: str,
    touches: list[Touch],
    shadow: Doc[Any],
    live: Doc[Any],
    board: Doc[Any] | None = None,
) -> None:
    """Raise Refused unless every touched key belongs to `identity` and holds a valid value.

    `shadow` holds the document with the update applied, `live` the document as it was before it,
    `board` the room's board (a score is a participant's only while its round is open there)."""
    # One transaction each for all the reads below, instead of one per read (half the check's cost).
    with shadow.transaction(), live.transaction():
        _check_write(identity, doc_name, touches, shadow, live, board)


def _check_write(
    identity: Identity, doc_name: str, touches: list[Touch], shadow: Doc[Any], live: Doc[Any], board: Doc[Any] | None
) -> None:
    if identity.kind == "projector":
        raise Refused(Refusal.NOT_ALLOWED)
    if doc_name.startswith(OWN_PREFIX):
        if identity.kind == "participant" and doc_name != identity.own_doc:
            raise Refused(Refusal.NOT_ALLOWED)
        for touch in touches:
            if touch.root != "scores":
                raise Refused(Refusal.NOT_ALLOWED)
            if identity.kind == "participant" and not _round_open(board, touch.key):
                # Before the round opens nobody scores; once it is closed or revealed the scores
                # stand as given (the facilitator may still correct one, e.g. for someone without a phone).
                raise Refused(Refusal.NOT_ALLOWED, "this scaling round is not open")
            _check_score(shadow, touch.key)
        return
    if identity.kind == "facilitator":
        return
    if doc_name == PRIVATE or doc_name != BOARD:
        raise Refused(Refusal.NOT_ALLOWED)
    touched = list(dict.fromkeys(touches))
    # Whose keys first, then their values: an update that touches someone else's key is not allowed,
    # whatever else is wrong with it.
    for touch in touched:
        if not _owns(identity.subject, touch):
            raise Refused(Refusal.NOT_ALLOWED)
    for touch in touched:
        if touch.root == "proposals":
            _check_proposal(shadow, live, touch.key, identity.subject)
        elif touch.root == "marks":
            _check_mark(shadow, touch.key, identity.subject)
        else:
            _check_claim(shadow, touch.key, identity.subject)


def _owns(participant: str, touch: Touch) -> bool:
    if touch.root == "proposals":
        return touch.key.startswith(f"{participant}:")
    if touch.root in ("marks", "claims"):
        return touch.key.endswith(f"|{participant}")
    return False


def _round_open(board: Doc[Any] | None, round_id: str) -> bool:
    if board is None:
        return False
    round_ = _root(board, "poll").get(round_id)  # every root of the board exists from the start
    return isinstance(round_, Map) and round_.get("status") == "open"


def _check_score(shadow: Doc[Any], round_id: str) -> None:
    scores = _root(shadow, "scores")
    if round_id not in scores:
        return  # withdrawn
    entry = scores[round_id]
    value = entry.get("value") if isinstance(entry, Map) else None
    # JSON numbers arrive as floats from Yjs clients; 7.0 is a 7, 7.5 is not a score.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise Refused(Refusal.INVALID_VALUE, "a score is a whole number from 0 to 10")
    if not 0 <= int(value) <= 10:
        raise Refused(Refusal.INVALID_VALUE, "a score is a whole number from 0 to 10")
    why = entry.get("why", "")
    if not isinstance(why, (str, Text)) or len(str(why)) > MAX_PROPOSAL_TEXT:
        raise Refused(Refusal.INVALID_VALUE, f"'what makes it that number' is at most {MAX_PROPOSAL_TEXT} characters")


def _is_open(proposal: Any) -> bool:
    if not isinstance(proposal, Map):
        return True  # not a proposal at all: nothing was decided on it
    return proposal.get("status", PROPOSAL_OPEN) == PROPOSAL_OPEN and not PROPOSAL_DECISION_FIELDS & set(
        proposal.keys()
    )


def _check_proposal(shadow: Doc[Any], live: Doc[Any], key: str, participant: str) -> None:
    # The live document is the state before this update (all its roots exist from the start, so
    # `get` only reads). Once the facilitator has accepted or declined a proposal, the decision and
    # what it was made on are theirs: its author may neither change it, reopen it nor withdraw it.
    if not _is_open(_root(live, "proposals").get(key)):
        raise Refused(Refusal.NOT_ALLOWED, "the facilitator has decided on this proposal")
    entry = _root(shadow, "proposals").get(key)
    if entry is None:
        return  # withdrawn by its author while still open
    if not isinstance(entry, Map):
        raise Refused(Refusal.INVALID_VALUE, "a proposal is {by, text, category, status}")
    fields = set(entry.keys())
    if entry.get("by") != participant or fields & PROPOSAL_DECISION_FIELDS:
        raise Refused(Refusal.NOT_ALLOWED)
    if entry.get("status", PROPOSAL_OPEN) != PROPOSAL_OPEN:
        raise Refused(Refusal.NOT_ALLOWED, "only the facilitator accepts or declines a proposal")
    if fields - PROPOSAL_FIELDS:
        raise Refused(Refusal.INVALID_VALUE, "a proposal is {by, text, category, status}")
    if "category" in fields and entry["category"] not in CATEGORIES:
        raise Refused(Refusal.INVALID_VALUE, "not a category of the framework")
    text = entry.get("text")
    # The phone writes a string; a shared text is read the same way (web/src/boarddata.js textOf).
    words = str(text) if isinstance(text, (str, Text)) else ""
    if not 1 <= len(words) <= MAX_PROPOSAL_TEXT:
        raise Refused(Refusal.INVALID_VALUE, f"a proposal's text is 1 to {MAX_PROPOSAL_TEXT} characters")


def _named(key: str, participant: str) -> str:
    """The item or rule in `<item>|<participant>`."""
    return key[: -len(participant) - 1]


def _check_mark(shadow: Doc[Any], key: str, participant: str) -> None:
    marks = _root(shadow, "marks")
    if key not in marks:
        return  # taken back
    if marks[key] not in MARKS:
        raise Refused(Refusal.INVALID_VALUE, "a mark is agree, disagree or unsure")
    if _named(key, participant) not in _root(shadow, "framework"):
        raise Refused(Refusal.INVALID_VALUE, "a mark is on an item of the board")


def _check_claim(shadow: Doc[Any], key: str, participant: str) -> None:
    claims = _root(shadow, "claims")
    if key not in claims:
        return  # taken back
    if claims[key] != CLAIMED:
        raise Refused(Refusal.INVALID_VALUE, 'a claim is "claimed"')
    rule = _root(shadow, "agreements").get(_named(key, participant))
    if not isinstance(rule, Map):
        raise Refused(Refusal.INVALID_VALUE, "a claim is on a rule of the plan")
    if rule.get("section") == "bottom_line":
        # Bottom lines are the statutory professional's, not the network's to take on.
        raise Refused(Refusal.NOT_ALLOWED)


class WriteGuard:
    """The shadows of one room's documents, and the decision which writes go through them."""

    def __init__(self) -> None:
        self._shadows: dict[str, Shadow] = {}

    def _shadow(self, doc_name: str) -> Shadow:
        shadow = self._shadows.get(doc_name)
        if shadow is None:
            shadow = self._shadows[doc_name] = Shadow(doc_name)
        return shadow

    def check(
        self, identity: Identity, doc_name: str, live: Doc[Any], update: bytes, board: Doc[Any] | None = None
    ) -> None:
        if identity.kind == "projector":
            raise Refused(Refusal.NOT_ALLOWED)
        shadow = self._shadow(doc_name)
        touches = shadow.trial(live, update)
        try:
            check_write(identity, doc_name, touches, shadow.doc, live, board)
        except Refused:
            shadow.stale = True  # it saw the refused update; the live document did not
            raise

    def check_complete(self, doc_name: str, live: Doc[Any], update: bytes) -> None:
        """For an update another process already checked: only whether it stands on its own here
        (Refused MALFORMED or INCOMPLETE otherwise). The shadow keeps step with the live document."""
        self._shadow(doc_name).trial(live, update)

    def dispose(self) -> None:
        for shadow in self._shadows.values():
            shadow.dispose()
        self._shadows = {}

    def invalidate(self, doc_name: str) -> None:
        """The live document changed without passing through the shadow."""
        shadow = self._shadows.get(doc_name)
        if shadow is not None:
            shadow.stale = True
