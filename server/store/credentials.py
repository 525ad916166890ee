"""Account credentials beyond the password: one-time links (invitation, reset), the TOTP second
factor (RFC 6238) and its recovery codes.

Only hashes are kept of what a person could use to get in: a link's token (SHA-256: it is 256
random bits), a recovery code (argon2: it is short). The TOTP secret itself must
be kept to check codes against it.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from server.auth import hash_code, hash_password, new_id, new_token, token_hash, verify_password
from server.store.meetings import MeetingStore, in_utc, now
from server.store.models import (
    AccountToken,
    Facilitator,
    FacilitatorRole,
    FacilitatorSession,
    RecoveryCode,
)

INVITE_LIFETIME = timedelta(hours=72)
RESET_LIFETIME = timedelta(hours=24)
PURPOSES = {"invite": INVITE_LIFETIME, "reset": RESET_LIFETIME}
RECOVERY_CODES = 10
# No 0/o, 1/l/i: a code is read off paper and typed.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ISSUER = "Kring"


@dataclass(frozen=True)
class LinkStanding:
    """What a one-time link that still holds is for (shown on the page before the password is set)."""

    facilitator_id: int
    email: str
    name: str
    purpose: str


def _normal_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def new_recovery_code() -> str:
    """Ten characters (about 50 bits) in two groups: 'k7mq2-x9pra'."""
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


class Credentials:
    def __init__(self, store: MeetingStore) -> None:
        self.store = store
        self.sessions = store.sessions

    # -- one-time links --------------------------------------------------------------------------

    async def invite(self, email: str, name: str) -> tuple[Facilitator, str] | None:
        """A new facilitator account (no password, inactive until one is set) and its invitation
        link's token; None when the address has an account already."""
        try:
            async with self.sessions.begin() as db:
                person = Facilitator(email=email.strip().lower(), name=name, password_hash="", active=False)
                db.add(person)
                await db.flush()
                db.add(FacilitatorRole(facilitator_id=person.id, role="facilitator"))
        except IntegrityError:
            return None
        return person, await self.make_link(person.id, "invite")

    async def make_link(self, facilitator_id: int, purpose: str) -> str:
        """A one-time link's token (shown or mailed once; only its hash is kept). The person's
        earlier links that were not used end: only the newest one works."""
        lifetime = PURPOSES[purpose]
        token = new_token()
        moment = now()
        async with self.sessions.begin() as db:
            await db.execute(
                update(AccountToken)
                .where(AccountToken.facilitator_id == facilitator_id, AccountToken.used_at.is_(None))
                .values(used_at=moment)
            )
            db.add(
                AccountToken(
                    id=new_id(),
                    facilitator_id=facilitator_id,
                    purpose=purpose,
                    token_hash=token_hash(token),
                    created_at=moment,
                    expires_at=moment + lifetime,
                )
            )
        return token

    async def link_standing(self, token: str) -> LinkStanding | None:
        async with self.sessions() as db:
            found = (
                await db.execute(
                    select(AccountToken, Facilitator)
                    .join(Facilitator, Facilitator.id == AccountToken.facilitator_id)
                    .where(AccountToken.token_hash == token_hash(token))
                )
            ).first()
        if found is None:
            return None
        held, person = found
        if held.used_at is not None or in_utc(held.expires_at) <= now():
            return None
        return LinkStanding(person.id, person.email, person.name, held.purpose)

    async def use_link(self, token: str, password: str) -> tuple[Facilitator, str] | None:
        """Sets the password through a link that still holds, once: the link is used up in the same
        transaction, and every session of the person ends. An invitation also activates the account
        (a reset leaves a deactivated one deactivated). Returns the person and the link's purpose."""
        key = token_hash(token)
        moment = now()
        async with self.sessions.begin() as db:
            held = await db.scalar(select(AccountToken).where(AccountToken.token_hash == key))
            if held is None or held.used_at is not None or in_utc(held.expires_at) <= moment:
                return None
            # Conditional: of two requests racing with one link, exactly one changes the row.
            claimed = await db.execute(
                update(AccountToken)
                .where(AccountToken.id == held.id, AccountToken.used_at.is_(None))
                .values(used_at=moment)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            person = await db.get(Facilitator, held.facilitator_id)
            if person is None:
                return None
            person.password_hash = await asyncio.to_thread(hash_password, password)
            if held.purpose == "invite":
                person.active = True
            await db.execute(delete(FacilitatorSession).where(FacilitatorSession.facilitator_id == person.id))
        return person, held.purpose

    # -- the second factor -----------------------------------------------------------------------

    async def person(self, facilitator_id: int) -> Facilitator | None:
        async with self.sessions() as db:
            return await db.get(Facilitator, facilitator_id)

    async def begin_totp(self, facilitator_id: int) -> str | None:
        """A new secret to enrol with (replacing one not yet confirmed); None once enrolled."""
        secret = pyotp.random_base32()
        async with self.sessions.begin() as db:
            result = await db.execute(
                update(Facilitator)
                .where(Facilitator.id == facilitator_id, Facilitator.totp_enabled_at.is_(None))
                .values(totp_secret=secret)
            )
        return secret if result.rowcount == 1 else None  # type: ignore[attr-defined]

    async def pending_secret(self, facilitator_id: int) -> str | None:
        person = await self.person(facilitator_id)
        if person is None or person.totp_enabled_at is not None:
            return None
        return person.totp_secret

    @staticmethod
    def provisioning_uri(secret: str, email: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)

    @staticmethod
    def _code_step(secret: str, code: str) -> int | None:
        """The time step whose code this is, or None. One step either side: a phone's clock a little
        off still works."""
        digits = "".join(ch for ch in code if ch.isdigit())
        if len(digits) != 6:
            return None
        totp = pyotp.TOTP(secret)
        current = totp.timecode(now())
        for step in (current - 1, current, current + 1):
            if hmac.compare_digest(totp.generate_otp(step), digits):
                return step
        return None

    async def confirm_totp(self, facilitator_id: int, code: str) -> list[str] | None:
        """The first code from the pending secret turns the second factor on; answers the new
        recovery codes (shown once, kept hashed), or None for a wrong code."""
        secret = await self.pending_secret(facilitator_id)
        step = self._code_step(secret, code) if secret is not None else None
        if secret is None or step is None:
            return None
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        # Off the event loop: argon2 is meant to take its time.
        hashes = await asyncio.to_thread(lambda: [hash_code(_normal_code(c)) for c in codes])
        async with self.sessions.begin() as db:
            result = await db.execute(
                update(Facilitator)
                .where(Facilitator.id == facilitator_id, Facilitator.totp_secret == secret)
                .values(totp_enabled_at=now(), totp_last_step=step)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            await db.execute(delete(RecoveryCode).where(RecoveryCode.facilitator_id == facilitator_id))
            db.add_all(RecoveryCode(facilitator_id=facilitator_id, code_hash=h) for h in hashes)
        return codes

    async def check_totp(self, facilitator_id: int, code: str) -> bool:
        person = await self.person(facilitator_id)
        if person is None or person.totp_enabled_at is None or not person.totp_secret:
            return False
        step = self._code_step(person.totp_secret, code)
        if step is None:
            return False
        # Taken only if it is later than the last accepted code's step: a code seen over a shoulder or
        # replayed from a phished page does not work again (RFC 6238, 5.2); one update, so two requests
        # racing with one code cannot both win.
        async with self.sessions.begin() as db:
            taken = await db.execute(
                update(Facilitator)
                .where(
                    Facilitator.id == facilitator_id,
                    or_(Facilitator.totp_last_step.is_(None), Facilitator.totp_last_step < step),
                )
                .values(totp_last_step=step)
            )
        return bool(taken.rowcount)  # type: ignore[attr-defined]

    async def use_recovery_code(self, facilitator_id: int, code: str) -> bool:
        """An unused recovery code of this person, used up now; each works once."""
        typed = _normal_code(code)
        if not 8 <= len(typed) <= 16:
            return False
        async with self.sessions() as db:
            unused = list(
                await db.scalars(
                    select(RecoveryCode).where(
                        RecoveryCode.facilitator_id == facilitator_id, RecoveryCode.used_at.is_(None)
                    )
                )
            )
        for held in unused:
            if await asyncio.to_thread(verify_password, held.code_hash, typed):
                async with self.sessions.begin() as db:
                    claimed = await db.execute(
                        update(RecoveryCode)
                        .where(RecoveryCode.id == held.id, RecoveryCode.used_at.is_(None))
                        .values(used_at=now())
                    )
                return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]
        return False

    async def recovery_codes_left(self, facilitator_id: int) -> int:
        async with self.sessions() as db:
            rows = await db.scalars(
                select(RecoveryCode.id).where(
                    RecoveryCode.facilitator_id == facilitator_id, RecoveryCode.used_at.is_(None)
                )
            )
            return len(list(rows))

    async def drop_second_factor(self, facilitator_id: int) -> None:
        """An administrator's reset for someone who lost their phone and their codes: they enrol again."""
        async with self.sessions.begin() as db:
            await db.execute(
                update(Facilitator)
                .where(Facilitator.id == facilitator_id)
                .values(totp_secret=None, totp_enabled_at=None)
            )
            await db.execute(delete(RecoveryCode).where(RecoveryCode.facilitator_id == facilitator_id))
