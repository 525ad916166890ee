"""The privacy officer's view (/privacy): the audit log filtered and paged or as CSV, the accounts
with access to a case, and the deletions done and due. For the privacy_officer role only.

Nothing here answers content: no case label, meeting title, room name, participant name or text;
ids, accounts, times and addresses. Every read is itself audited ("audit_read", with what was read
and which kinds of filter, never their values).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.http.endpoint import ApiError, not_found, parts
from server.meetings.http.session import with_role
from server.meetings.render import answers
from server.store.auditlog import Account, AuditFilter, AuditLog, CaseAccess
from server.store.models import AuditEntry, Facilitator

ROLE = "privacy_officer"
PAGE_SIZE = 50
MAX_PAGE = 200
# A spreadsheet opens far fewer rows than this; a wider period is exported in parts.
MAX_CSV_ROWS = 100_000
CSV_COLUMNS = (
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "case_id",
    "meeting_id",
    "room_id",
    "on_behalf_of",
    "detail",
    "address",
)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ACTION = re.compile(r"^[a-z_]{1,32}$")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _bad(field: str, nl: str, en: str) -> ApiError:
    return ApiError(400, f"bad_{field}", f"{nl} / {en}")


def _number(request: Request, name: str, field: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise _bad(field, f"'{name}' moet een getal zijn.", f"'{name}' must be a number.")
    return int(raw)


def _day(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise _bad("period", "Een datum is JJJJ-MM-DD.", "A date is YYYY-MM-DD.")


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    """Midnight of `day` in the organisation's time zone, in UTC (the store compares in UTC)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def audit_filter(request: Request) -> AuditFilter:
    """The filter the query asks for: `person` (an account id), `case`, `from` and `to` (days in the
    organisation's time zone, both included) and `action`. A bad value is refused, never ignored."""
    case_id = request.query_params.get("case", "") or None
    if case_id is not None and not _ID.match(case_id):
        raise _bad("case", "Onbekend zaaknummer.", "Not a case id.")
    action = request.query_params.get("action", "") or None
    if action is not None and not _ACTION.match(action):
        raise _bad("action", "Onbekende handeling.", "Not an action.")
    first, last = _day(request, "from"), _day(request, "to")
    if first is not None and last is not None and first > last:
        raise _bad("period", "'van' ligt na 'tot'.", "'from' is after 'to'.")
    zone = ZoneInfo(parts(request).settings.time_zone)
    return AuditFilter(
        person=_number(request, "person", "person"),
        case_id=case_id,
        since=_start_of(first, zone) if first else None,
        until=_start_of(last + timedelta(days=1), zone) if last else None,
        action=action,
    )


def _cursor(request: Request) -> tuple[int | None, int]:
    before = _number(request, "before", "before")
    limit = _number(request, "limit", "limit")
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise _bad("limit", f"'limit' is 1 tot {MAX_PAGE}.", f"'limit' is 1 to {MAX_PAGE}.")
    return before, limit or PAGE_SIZE


async def _officer(request: Request) -> tuple[Facilitator, AuditLog]:
    person = await with_role(request, ROLE)
    return person, AuditLog(parts(request).meetings.engine)


async def _read(
    request: Request, officer: Facilitator, what: str, chosen: AuditFilter | None = None, case_id: str | None = None
) -> None:
    detail = what if chosen is None else f"{what} filters={','.join(chosen.kinds()) or 'none'}"
    case_id = chosen.case_id if chosen is not None else case_id
    await parts(request).meetings.audit(
        "audit_read", actor_kind="facilitator", actor_id=str(officer.id), case_id=case_id, detail=detail
    )


async def _names(log: AuditLog, entries: list[AuditEntry]) -> dict[str, str]:
    """The names of the accounts that acted: an account's name is who did it, not case content."""
    ids = {int(e.actor_id) for e in entries if e.actor_kind == "facilitator" and e.actor_id and e.actor_id.isdigit()}
    return {str(a.id): a.name for a in await log.accounts(ids)} if ids else {}


def _logged(entry: AuditEntry, names: dict[str, str]) -> answers.LoggedAction:
    return {
        "id": entry.id,
        "at": _utc(entry.at).isoformat(),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "actor_name": names.get(entry.actor_id or "") if entry.actor_kind == "facilitator" else None,
        "action": entry.action,
        "case_id": entry.case_id,
        "meeting_id": entry.meeting_id,
        "room_id": entry.room_id,
        "on_behalf_of": entry.on_behalf_of,
        "detail": entry.detail,
        "address": entry.address,
    }


def _utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def audit_log(request: Request) -> Response:
    """GET /api/privacy/audit: one page of the log, newest first."""
    officer, log = await _officer(request)
    chosen = audit_filter(request)
    before, limit = _cursor(request)
    entries, next_before = await log.page(chosen, before=before, limit=limit)
    await _read(request, officer, "log", chosen)
    names = await _names(log, entries)
    page: answers.AuditPage = {"entries": [_logged(e, names) for e in entries], "next_before": next_before}
    return JSONResponse(page)


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text


async def audit_csv(request: Request) -> Response:
    """GET /api/privacy/audit.csv: every matching entry (up to MAX_CSV_ROWS), newest first."""
    officer, log = await _officer(request)
    chosen = audit_filter(request)
    entries = await log.everything(chosen, MAX_CSV_ROWS)
    await _read(request, officer, "csv", chosen)
    names = await _names(log, entries)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = _logged(entry, names)
        writer.writerow([csv_cell(row[column]) for column in CSV_COLUMNS])  # type: ignore[literal-required]
    # The byte-order mark makes a spreadsheet read the file as UTF-8 (accented names stay whole).
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kring-audit.csv"', "Cache-Control": "no-store"},
    )


async def accounts(request: Request) -> Response:
    """GET /api/privacy/accounts: every account with its roles, for the person filter."""
    officer, log = await _officer(request)
    found = await log.accounts()
    await _read(request, officer, "accounts")
    listed: answers.OfficerAccounts = {"accounts": [_account(a) for a in found]}
    return JSONResponse(listed)


def _account(found: Account) -> answers.OfficerAccount:
    return {"id": found.id, "name": found.name, "email": found.email, "active": found.active, "roles": found.roles}


def _holder(access: CaseAccess) -> answers.AccessHolder:
    found = access.account
    return {
        "id": found.id,
        "name": found.name,
        "email": found.email,
        "active": found.active,
        "roles": found.roles,
        "via": access.via,
        "opens_case": access.opens_case,
    }


async def case_access(request: Request) -> Response:
    """GET /api/privacy/cases/{case_id}/access: the accounts that may open the case, and why."""
    officer, log = await _officer(request)
    case_id = request.path_params["case_id"]
    exists, team = await log.case_exists(case_id) if _ID.match(case_id) else (False, None)
    if not exists:
        raise not_found()
    holders = await log.access_to(case_id)
    await _read(request, officer, "access", case_id=case_id)
    answer: answers.CaseAccess = {"case_id": case_id, "team": team, "accounts": [_holder(h) for h in holders]}
    return JSONResponse(answer)


async def deletions(request: Request) -> Response:
    """GET /api/privacy/deletions: meetings closed and when retention deletes them; deletions done."""
    officer, log = await _officer(request)
    before, limit = _cursor(request)
    retention = timedelta(days=parts(request).settings.retention_days)
    closed = await log.closed_meetings()
    done, next_before = await log.page(AuditFilter(action="delete"), before=before, limit=limit)
    await _read(request, officer, "deletions")
    names = await _names(log, done)
    due: list[answers.DueDeletion] = [
        {
            "meeting_id": m.meeting_id,
            "case_id": m.case_id,
            "status": m.status,
            "closed_at": _utc(m.closed_at).isoformat() if m.closed_at else None,
            "due_at": (_utc(m.closed_at) + retention).isoformat() if m.closed_at else None,
        }
        for m in closed
    ]
    answer: answers.Deletions = {
        "retention_days": parts(request).settings.retention_days,
        "due": due,
        "done": [_logged(e, names) for e in done],
        "next_before": next_before,
    }
    return JSONResponse(answer)
