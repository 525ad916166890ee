"""GET /api/reviews: the signed-in facilitator's due and overdue reviews, per case they may see."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.meetings.domain import reviews
from server.meetings.http.endpoint import parts
from server.meetings.http.session import current_facilitator
from server.meetings.render import answers


async def list_reviews(request: Request) -> Response:
    person = await current_facilitator(request)
    kring = parts(request)
    day = reviews.today(kring.settings.time_zone)
    found = await reviews.reviews_for(kring, person.id, day)
    answer: answers.Reviews = {
        "today": day.isoformat(),
        "mail": kring.settings.smtp is not None,
        "cases": [
            {
                "case_id": case.case_id,
                "due": case.due,
                "overdue": case.overdue,
                "earliest": case.earliest.isoformat() if case.earliest else None,
                "not_held": case.not_held,
                # The facilitator's own case: the rule's words help them see which one it is.
                "rules": [
                    {
                        "meeting_id": rule.meeting_id,
                        "room_id": rule.room_id,
                        "room": rule.room,
                        "key": rule.key,
                        "text": rule.text,
                        "section": rule.section,
                        "review": rule.review.isoformat(),
                        "state": rule.state,
                    }
                    for rule in case.rules
                ],
            }
            for case in found
        ],
    }
    return JSONResponse(answer)
