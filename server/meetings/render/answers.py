"""What the meetings API answers, declared once as typed dicts: the views build them (mypy checks
the keys and types) and server.meetings.http.components turns them into the OpenAPI response schemas.

Typed dicts, not models: an answer is built once from trusted data and sent, so it needs a type and
a schema but no validation on the way out. The API tests check every real answer against the
served document (tests/openapi_check.py).
"""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from pydantic import Field, WithJsonSchema
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

from server.rooms.schema import VISIBILITIES
from server.store.auditlog import VIA as ACCESS_VIA
from server.store.meetings import RELATIONS
from server.store.models import ROLES

MEETING_STATUSES = ("open", "closed", "deleting", "deleted")
PARTICIPANT_STATUSES = ("waiting", "admitted", "removed")
ACTORS = ("facilitator", "participant", "projector", "system")


class OneOf(WithJsonSchema):
    """A string documented as one of `values` (an answer is built, never validated: no check needed)."""

    def __init__(self, values: tuple[str, ...]) -> None:
        super().__init__({"type": "string", "enum": list(values)})


Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Url = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]
Anything = Annotated[dict[str, Any], WithJsonSchema({"type": "object"})]


class Error(TypedDict):
    error: str
    message: str


class Facilitator(TypedDict):
    id: int
    name: str
    email: str


class Me(Facilitator):
    """Who is signed in, with the roles that decide which pages they get."""

    roles: list[str]
    teams: Annotated[list[TeamRef], Field(description="their teams, by name (a new case can go to any)")]


class Case(TypedDict):
    id: str
    label: str
    created_at: Timestamp
    team_id: Annotated[str | None, Field(description="the team whose members see the case; null: its facilitators'")]


class Cases(TypedDict):
    cases: list[Case]


class MeetingSummary(TypedDict):
    id: str
    title: str
    status: Annotated[str, OneOf(MEETING_STATUSES)]
    created_at: Timestamp
    closed_at: Timestamp | None


class CaseDetail(Case):
    facilitators: list[Facilitator]
    meetings: list[MeetingSummary]


class Participant(TypedDict):
    id: str
    name: str
    relation: Annotated[str, OneOf(RELATIONS)]
    status: Annotated[str, OneOf(PARTICIPANT_STATUSES)]
    full_board: Annotated[bool, Field(description="a child switched from the child view to the full board (16+)")]
    photo: Annotated[
        bool, Field(description="a photo of this person for the children's version, kept with their consent")
    ]
    safety_person: Annotated[
        str,
        OneOf(("auto", "yes", "no")),
        Field(description="in the children's version's safety people: auto (if they carry a rule), yes or no"),
    ]


class Room(TypedDict):
    id: str
    name: str
    join_code: Annotated[str | None, Field(pattern="^[0-9]{8}$", description="null once the meeting is closed")]
    join_url: Url | None
    locked: bool
    participants: list[Participant]


class Meeting(TypedDict):
    id: str
    title: str
    status: Annotated[str, OneOf(MEETING_STATUSES)]
    admit_all: bool
    case_id: str
    rooms: list[Room]
    join_local_only: Annotated[
        bool, Field(description="the public address is loopback (localhost): phones cannot reach it")
    ]


class Deleted(TypedDict):
    id: str
    status: Annotated[str, OneOf(("deleted",))]


class AuditEntry(TypedDict):
    at: Timestamp
    actor_kind: Annotated[str, OneOf(ACTORS)]
    actor_id: str | None
    action: str
    room_id: str | None
    on_behalf_of: str | None
    detail: Annotated[str | None, Field(description="counts and ids only, never names or text")]


class AuditLog(TypedDict):
    entries: list[AuditEntry]


class JoinStatus(TypedDict):
    participant_id: str
    status: Annotated[str, OneOf(("waiting", "admitted"))]
    room_id: str
    child_view: NotRequired[
        Annotated[bool, Field(description="on /api/join/status: the phone shows the child view, not the board")]
    ]


class JoinResult(JoinStatus):
    token: Annotated[str, Field(description="also set as the kring_participant cookie")]


class ProjectorRoom(TypedDict):
    room_id: str
    name: str
    join_code: Annotated[str | None, Field(description="null while the room is locked")]
    join_url: Url | None
    locked: bool
    join_local_only: Annotated[
        bool, Field(description="the public address is loopback (localhost): phones cannot reach it")
    ]


class ProjectorLink(TypedDict):
    url: Annotated[str, Field(description="/projector#<token>")]


class NetworkMember(TypedDict):
    id: str
    name: str
    relation: str
    role: Annotated[str, Field(description="their part in the safety plan")]
    knows_worries: Annotated[bool, Field(description="whether they know what the worries are")]
    contact: Annotated[str, Field(description="facilitators only; never on a board")]


class Revealed(TypedDict):
    round_id: str
    revealed: int


class HistoryScore(TypedDict):
    name: str
    relation: str
    value: Annotated[int, Field(ge=0, le=10)]


class HistoryRound(TypedDict):
    round_id: str
    title: str
    pair: NotRequired[str | None]
    about: Annotated[str, Field(description='what the round is about: `""` the whole situation, or the pair\'s key')]
    scores: list[HistoryScore]


class History(TypedDict):
    meeting: Annotated[
        str | None, Field(description="the meeting of the room this room continues; null if it continues none")
    ]
    rounds: list[HistoryRound]
    points: Annotated[
        dict[str, str],
        Field(
            description='per question (`""` the whole situation, else a pair\'s danger statement key) the '
            "round that is that meeting's point: the one the facilitator picked, else the last one about it. "
            "A round of this meeting is shown beside the previous meeting's round on the same question."
        ),
    ]


class ChildEntryResult(TypedDict):
    entry: str
    visibility: Annotated[str, OneOf(VISIBILITIES)]
    consent: Annotated[Anything | None, Field(description="as recorded, with who and when")]


class PhotoUploaded(TypedDict):
    photo: str


class ProgressRound(TypedDict):
    round_id: str
    number: Annotated[int, Field(ge=1, description="the round's place among the meeting's rounds")]
    title: str
    about: Annotated[str, Field(description='`""` the whole situation, or the pair\'s danger statement key')]


class ProgressPoint(TypedDict):
    round_id: str
    picked: bool


class ProgressPointChosen(TypedDict):
    question: str
    round_id: str | None


class ProgressMeeting(TypedDict):
    room_id: str
    meeting_id: str
    title: str
    at: str | None
    round: Annotated[
        str | None, Field(description="the round the meeting's point on the whole situation shows (see points)")
    ]
    rounds: Annotated[list[ProgressRound], Field(description="every revealed round of the meeting, in the order shown")]
    points: Annotated[
        dict[str, ProgressPoint],
        Field(
            description='per question (`""` the whole situation, else a pair\'s danger statement key) the round '
            "the meeting's point shows: the one the facilitator picked (`picked`), else the last one about it"
        ),
    ]


class ProgressPerson(TypedDict):
    name: str
    relation: str
    values: list[int | None]


class ProgressRole(TypedDict):
    relation: str
    values: list[float | None]
    counts: list[int]


class ProgressPair(TypedDict):
    pair: str
    title: str
    people: list[Anything]
    roles: list[Anything]


class ProgressRule(TypedDict):
    key: str
    text: str
    section: str
    statuses: list[str | None]
    journal: Annotated[
        list[JournalCounts | None],
        Field(
            description="per meeting of the line, the safety journal's reports on this rule made in that "
            "meeting's room (after it, until the next): null when nobody reported on it"
        ),
    ]


class JournalCounts(TypedDict):
    held: int
    not_held: int
    unsure: int


class Progress(TypedDict):
    meetings: list[ProgressMeeting]
    people: list[ProgressPerson]
    roles: list[ProgressRole]
    pairs: Annotated[
        list[ProgressPair],
        Field(
            description="the same per danger statement / safety goal pair scaled about (by the danger "
            "statement's key, kept from meeting to meeting)"
        ),
    ]
    rules: list[ProgressRule]


Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


class ReviewRule(TypedDict):
    meeting_id: str
    room_id: str
    room: str
    key: str
    text: str
    section: Annotated[str, OneOf(("immediate", "longer", "bottom_line"))]
    review: Day
    state: Annotated[str, OneOf(("due", "overdue"))]


class CaseReviews(TypedDict):
    case_id: str
    due: Annotated[int, Field(description="rules whose review is today or within two days")]
    overdue: Annotated[int, Field(description="rules whose review date has passed")]
    earliest: Day | None
    rules: list[ReviewRule]
    not_held: Annotated[int, Field(description="rules of the plan the safety journal says did not hold this week")]


class Reviews(TypedDict):
    today: Annotated[str, WithJsonSchema({"type": "string", "format": "date"}), Field(description="in KRING_TIME_ZONE")]
    mail: Annotated[bool, Field(description="whether the daily digest e-mail is configured (SMTP)")]
    cases: list[CaseReviews]


class CopyPlanItem(TypedDict):
    root: Annotated[str, OneOf(("framework", "agreements", "childtools"))]
    key: str
    value: Annotated[Anything, Field(description="exactly what will be written")]
    replaces: bool


class CopyPlanRefusal(TypedDict):
    root: str
    key: str
    reason: Annotated[str, OneOf(("sensitive", "facilitator_only", "not_found", "not_allowed", "not_shared"))]


class CopyPlan(TypedDict):
    items: list[CopyPlanItem]
    refused: list[CopyPlanRefusal]
    digest: str
    copied: NotRequired[Annotated[int, Field(description="only in the answer to a copy")]]


class ExportCase(TypedDict):
    id: str
    label: str


class ExportMeeting(TypedDict):
    id: str
    title: str
    status: str
    created_at: NotRequired[str]
    closed_at: NotRequired[str | None]
    deletes_after: NotRequired[Annotated[str | None, Field(description="closed_at + KRING_RETENTION_DAYS")]]
    split: bool


class ExportPerson(TypedDict):
    id: str
    name: str
    first_name: NotRequired[str]
    relation: str


class ExportCategory(TypedDict):
    category: str
    label: NotRequired[str]
    column: NotRequired[str]
    items: list[Anything]


class ExportRoom(TypedDict):
    id: str
    name: str


class ExportText(TypedDict):
    id: str
    text: str


class ExportDanger(ExportText):
    safety_goal: ExportText | None


class ExportRound(TypedDict):
    id: str
    title: NotRequired[str]
    status: Annotated[str, OneOf(("open", "closed", "revealed"))]
    about: NotRequired[ExportText | None]
    scores: list[Annotated[Anything, Field(description="id, name, relation, value, why")]]


class RoomExport(TypedDict):
    schema: Annotated[str, OneOf(("kring.room-export",))]
    schema_version: Annotated[int, Field(ge=1, le=2, description="2: with the safety journal")]
    exported_at: NotRequired[Timestamp]
    labels: NotRequired[Annotated[str, Field(description="the board's label set, e.g. nl, en, early-help-nl")]]
    case: NotRequired[ExportCase]
    meeting: ExportMeeting
    room: ExportRoom
    people: list[ExportPerson]
    framework: Annotated[
        list[ExportCategory],
        Field(
            description="one entry per category, in the board's order; items with text, who raised them, "
            "`sensitive`, `facilitator_only` (kept in the private document: on no phone), the pair, and "
            "everyone's marks"
        ),
    ]
    danger_statements: list[ExportDanger]
    rounds: list[ExportRound]
    plan: list[
        Annotated[
            Anything,
            Field(
                description="id, section, text, goal, owners, claimed_by, when, check, check_by, if_not_kept, "
                "for_children, start, review, status, sensitive, facilitator_only"
            ),
        ]
    ]
    child_tools: NotRequired[
        Annotated[
            list[Anything],
            Field(
                description="Three Houses entries shown in this room (visibility room or shared, so with "
                "consent): id, tool, house, text, photo (the photo's id or null), visibility, consent "
                "{band, parties, at}; facilitator-only entries are never exported"
            ),
        ]
    ]
    journal: Annotated[
        ExportJournal,
        Field(description="the safety journal: the network's reports on the agreed plan between meetings"),
    ]


# -- between meetings: the network's links and the safety journal ------------------------------------

VERDICTS = ("held", "not_held", "unsure")
KINDS = ("parent", "professional", "network")


class PlanLinkState(TypedDict):
    id: str
    participant_id: str
    first_name: str
    relation: Annotated[str, OneOf(RELATIONS)]
    created_at: Timestamp
    last_used_at: Annotated[str | None, Field(description="null: never used")]
    state: Annotated[str, OneOf(("active", "revoked"))]


class PlanLinkMade(TypedDict):
    link: PlanLinkState
    url: Annotated[Url, Field(description="/l/<token>: shown once; only the token's hash is kept")]
    qr_svg: Annotated[str, Field(description="the URL as a QR code (SVG)")]


class LinkCandidate(TypedDict):
    participant_id: str
    first_name: str
    relation: Annotated[str, OneOf(RELATIONS)]
    carries: Annotated[bool, Field(description="owns or claimed a rule of the agreed plan")]


class JournalReport(TypedDict):
    id: str
    first_name: str
    relation: Annotated[str, OneOf(RELATIONS)]
    kind: Annotated[str, OneOf(KINDS)]
    day: Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
    at: Timestamp
    verdict: Annotated[str, OneOf(VERDICTS)]
    note: str


class JournalRule(TypedDict):
    id: str
    text: str
    flagged: Annotated[bool, Field(description="did not hold at least once in the last seven days")]
    reports: list[JournalReport]
    review: Annotated[
        str | None, WithJsonSchema({"type": ["string", "null"], "format": "date"}), Field(description="its review date")
    ]
    days: Annotated[int | None, Field(description="days to the review date: 0 today, negative when it is late")]


class FailedRule(TypedDict):
    id: str
    text: str
    times: int


class JournalSummary(TypedDict):
    since: Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
    until: Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
    rules: Annotated[int, Field(description="rules of the agreed plan the network reports on")]
    held: Annotated[int, Field(description="rules reported held, and never not held, in the week")]
    not_held: list[FailedRule]


class PlanReview(TypedDict):
    date: Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
    days: Annotated[int, Field(description="days to the immediate plan's review: 0 today, negative when late")]


class Journal(TypedDict):
    links: list[PlanLinkState]
    candidates: list[LinkCandidate]
    rules: list[JournalRule]
    summary: JournalSummary
    review: Annotated[PlanReview, Field(description="the immediate plan's review, a week after the meeting")]
    follow_up: Annotated[str | None, Field(description="the meeting that carries this room on, if any")]


class ExportPersonRef(TypedDict):
    id: str
    name: str
    first_name: str


class ExportJournalReport(TypedDict):
    id: str
    by: Annotated[ExportPersonRef, Field(description="who reported, named as elsewhere in the export")]
    relation: str
    kind: Annotated[str, OneOf(KINDS)]
    day: Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
    at: Timestamp
    verdict: Annotated[str, OneOf(VERDICTS)]
    note: str


class ExportJournalRule(TypedDict):
    id: str
    text: Annotated[str, Field(description="empty when the rule is no longer part of the shared plan")]
    flagged: Annotated[bool, Field(description="did not hold at least once in the seven days before the export")]
    reports: list[ExportJournalReport]


class ExportJournal(TypedDict):
    rules: Annotated[list[ExportJournalRule], Field(description="per rule of the shared plan, in plan order")]
    summary: JournalSummary


class PlanRule(TypedDict):
    id: str
    section: Annotated[str, OneOf(("immediate", "longer", "bottom_line"))]
    text: str
    when: str
    check: str
    if_not_kept: str
    review: str
    owners: Annotated[list[str], Field(description="first names")]
    mine: Annotated[bool, Field(description="the link's holder owns or claimed this rule")]


class MyReport(TypedDict):
    id: str
    rule_id: str
    day: Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
    verdict: Annotated[str, OneOf(VERDICTS)]
    note: str


class PlanPage(TypedDict):
    first_name: str
    today: Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
    rules: Annotated[list[PlanRule], Field(description="the room's agreed plan: nothing sensitive or private")]
    reports: Annotated[list[MyReport], Field(description="this person's own reports, newest first")]


# -- the privacy officer's view (/privacy, server.meetings.http.privacy): ids, accounts, never content --


class LoggedAction(TypedDict):
    id: Annotated[int, Field(description="the entry's place in the log; pages go by it")]
    at: Timestamp
    actor_kind: Annotated[str, OneOf(ACTORS)]
    actor_id: str | None
    actor_name: Annotated[str | None, Field(description="an account's name; never a participant's (that is content)")]
    action: str
    case_id: str | None
    meeting_id: str | None
    room_id: str | None
    on_behalf_of: str | None
    detail: Annotated[str | None, Field(description="counts and ids only, never names or text")]
    address: Annotated[str | None, Field(description="the client's address as the server saw it")]


class AuditPage(TypedDict):
    entries: Annotated[list[LoggedAction], Field(description="newest first")]
    next_before: Annotated[int | None, Field(description="`before` for the next (older) page; null on the last")]


class OfficerAccount(TypedDict):
    """An account as the privacy officer sees it."""

    id: int
    name: str
    email: str
    active: bool
    roles: list[str]


class OfficerAccounts(TypedDict):
    accounts: list[OfficerAccount]


class AccessHolder(OfficerAccount):
    via: Annotated[list[Annotated[str, OneOf(ACCESS_VIA)]], Field(description="why this account may open the case")]
    opens_case: Annotated[bool, Field(description="active and holding the facilitator role: access in effect")]


class CaseAccess(TypedDict):
    case_id: str
    team: Annotated[str | None, Field(description="the case's team's name (the case's label is content: not here)")]
    accounts: list[AccessHolder]


class DueDeletion(TypedDict):
    meeting_id: str
    case_id: str
    status: Annotated[str, OneOf(("closed", "deleting"))]
    closed_at: Timestamp | None
    due_at: Annotated[str | None, Field(description="when retention deletes it (date-time)")]


class Deletions(TypedDict):
    retention_days: float
    due: Annotated[list[DueDeletion], Field(description="closed meetings, the first due first")]
    done: Annotated[list[LoggedAction], Field(description="the log's `delete` entries, newest first")]
    next_before: int | None


# -- accounts: invitations, one-time links, the second factor -----------------------------------------

STAGES = ("full", "second_factor", "enrol")


class AccountLink(TypedDict):
    """A one-time link made by an administrator: e-mailed where SMTP is set up, else to copy."""

    id: Annotated[int, Field(description="the account's id")]
    email: str
    url: Annotated[Url, Field(description="answered once: only its hash is kept")]
    mailed: Annotated[bool, Field(description="sent to the address; otherwise hand the URL over yourself")]
    expires_at: Timestamp


class LinkInfo(TypedDict):
    email: str
    name: str
    purpose: Annotated[str, OneOf(("invite", "reset"))]


class AccountState(TypedDict):
    """How far this session is signed in, and what the person's second factor is."""

    email: str
    name: str
    stage: Annotated[str, OneOf(STAGES)]
    via: Annotated[str, OneOf(("password", "sso"))]
    second_factor: Annotated[bool, Field(description="TOTP is on for this account")]
    required: Annotated[bool, Field(description="the operator requires a second factor of password accounts")]


class TotpBegun(TypedDict):
    secret: Annotated[str, Field(description="base32, to type into an authenticator app")]
    uri: Annotated[str, Field(description="the otpauth:// URI the QR code holds")]


class RecoveryCodes(TypedDict):
    recovery_codes: Annotated[list[str], Field(description="shown this once; each works once, kept hashed")]


# Every answer the document names, for components.schemas (the typed dicts they hold come along).
class SsoOffer(TypedDict):
    """What the log-in page offers: single sign-on with the organisation, and/or e-mail and password."""

    sso: bool
    password_login: bool


class SignedOut(TypedDict):
    """The end of a single sign-on session: the browser goes on to the provider to end it there too."""

    redirect: Url


class TeamRef(TypedDict):
    id: str
    name: str


class Account(TypedDict):
    """A person as the administrators see them: never a password, a secret or a case."""

    id: int
    name: str
    email: str
    active: bool
    last_login_at: Timestamp | None
    roles: list[Annotated[str, OneOf(ROLES)]]
    teams: list[TeamRef]


class Accounts(TypedDict):
    accounts: list[Account]


class Team(TypedDict):
    id: str
    name: str
    members: Annotated[list[int], Field(description="the members' account ids")]


class Teams(TypedDict):
    teams: list[Team]


class Colleague(TypedDict):
    id: int
    name: str


class MoveOptions(TypedDict):
    """Where a team lead may hand a case: any other team, or an active facilitator of the case's team."""

    teams: list[TeamRef]
    facilitators: list[Colleague]


ANSWERS: tuple[Any, ...] = (
    Error,
    Facilitator,
    Me,
    Case,
    Cases,
    CaseDetail,
    MeetingSummary,
    Meeting,
    Room,
    Participant,
    Deleted,
    AuditLog,
    JoinResult,
    JoinStatus,
    ProjectorRoom,
    ProjectorLink,
    NetworkMember,
    Revealed,
    History,
    ChildEntryResult,
    PhotoUploaded,
    Progress,
    ProgressPointChosen,
    Reviews,
    CopyPlan,
    RoomExport,
    PlanLinkMade,
    Journal,
    PlanPage,
    MyReport,
    AuditPage,
    OfficerAccounts,
    CaseAccess,
    Deletions,
    SsoOffer,
    SignedOut,
    AccountLink,
    LinkInfo,
    AccountState,
    TotpBegun,
    RecoveryCodes,
    TeamRef,
    Account,
    Accounts,
    Team,
    Teams,
    Colleague,
    MoveOptions,
)
