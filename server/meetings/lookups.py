"""Queries the meetings API needs that MeetingStore does not offer yet.

They belong in server/store/meetings.py (the only module meant to know SQL) and live here only
until they move there with the same names and signatures.
"""

from __future__ import annotations

from sqlalchemy import select

from server.auth import token_hash
from server.store.meetings import MeetingStore
from server.store.models import CaseFacilitator, Facilitator, Participant


async def participant_by_any_token(store: MeetingStore, token: str) -> Participant | None:
    """The token's participant whatever their status or expiry, so that a removed phone can be
    told it was removed rather than that its token is unknown."""
    async with store.sessions() as db:
        return await db.scalar(select(Participant).where(Participant.token_hash == token_hash(token)))


async def facilitators_of_case(store: MeetingStore, case_id: str) -> list[Facilitator]:
    async with store.sessions() as db:
        rows = await db.scalars(
            select(Facilitator)
            .join(CaseFacilitator, CaseFacilitator.facilitator_id == Facilitator.id)
            .where(CaseFacilitator.case_id == case_id)
            .order_by(Facilitator.name)
        )
        return list(rows)
