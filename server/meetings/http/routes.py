"""The meetings HTTP API as a list of Starlette routes: `routes(kring)`, wired in by server.app.

Endpoints reach the running server through `request.app.state.kring` (settings, meetings, live);
the throttles are made here, so each app (and each test's app) counts its own attempts.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Route

from server.meetings.domain.throttle import BackOff
from server.meetings.http import (
    account,
    admin,
    cases,
    childtools,
    copying,
    deletion,
    exports,
    joining,
    network,
    participants,
    photos,
    planlinks,
    poll,
    privacy,
    progress,
    reviews,
    rooms,
    safetypeople,
    session,
    sso,
    teams,
)
from server.meetings.http.endpoint import api
from server.meetings.http.openapi import OpenApiEndpoint

# A family on one home Wi-Fi shares an address: a few typos among a dozen phones must not lock
# them out. Passwords are typed by one person, so fewer free tries there.
FREE_JOIN_TRIES = 10
FREE_LOGIN_TRIES = 5
# A one-time account link is 256 random bits: its back-off only slows a flood. Second-factor codes
# get FREE_LOGIN_TRIES per person; an office's address, shared by many people, this many.
FREE_LINK_GUESSES = 50
FREE_CODES_PER_ADDRESS = 20


def routes(kring: Any) -> list[BaseRoute]:
    logins = session.SessionEndpoints(BackOff(free=FREE_LOGIN_TRIES))
    joins = joining.JoinEndpoints(BackOff(free=FREE_JOIN_TRIES))
    links = planlinks.LinkEndpoints(BackOff(free=FREE_JOIN_TRIES))
    described = OpenApiEndpoint(kring.settings.public_url)
    sso_callback = sso.Callback(BackOff(free=FREE_LOGIN_TRIES))
    accounts = account.AccountEndpoints(
        BackOff(free=FREE_LINK_GUESSES), BackOff(free=FREE_LOGIN_TRIES), BackOff(free=FREE_CODES_PER_ADDRESS)
    )
    return [
        Route("/api/openapi.json", described.serve, methods=["GET"]),
        Route("/api/session", api(logins.login), methods=["POST"]),
        Route("/api/session", api(session.logout), methods=["DELETE"]),
        Route("/api/me", api(session.me), methods=["GET"]),
        Route("/api/cases", api(cases.list_cases), methods=["GET"]),
        Route("/api/cases", api(cases.create_case), methods=["POST"]),
        Route("/api/cases/{case_id}", api(cases.get_case), methods=["GET"]),
        Route("/api/reviews", api(reviews.list_reviews), methods=["GET"]),
        Route("/api/cases/{case_id}/facilitators", api(cases.add_cofacilitator), methods=["POST"]),
        Route("/api/cases/{case_id}/meetings", api(cases.create_meeting), methods=["POST"]),
        Route("/api/cases/{case_id}/network", api(network.list_network), methods=["GET"]),
        Route("/api/cases/{case_id}/network", api(network.add_member), methods=["POST"]),
        Route("/api/network/{member_id}", api(network.update_member), methods=["PATCH"]),
        Route("/api/network/{member_id}", api(network.remove_member), methods=["DELETE"]),
        Route("/api/meetings/{meeting_id}", api(cases.get_meeting), methods=["GET"]),
        Route("/api/meetings/{meeting_id}", api(cases.update_meeting), methods=["PATCH"]),
        Route("/api/meetings/{meeting_id}/close", api(deletion.close_meeting), methods=["POST"]),
        Route("/api/meetings/{meeting_id}/delete", api(deletion.delete_now), methods=["POST"]),
        Route("/api/meetings/{meeting_id}/audit", api(cases.meeting_audit), methods=["GET"]),
        Route("/api/meetings/{meeting_id}/copy/preview", api(copying.preview), methods=["POST"]),
        Route("/api/meetings/{meeting_id}/copy", api(copying.copy), methods=["POST"]),
        Route("/api/rooms/{room_id}/lock", api(rooms.lock_room), methods=["POST"]),
        Route("/api/rooms/{room_id}/qr.svg", api(rooms.room_qr), methods=["GET"]),
        Route("/api/rooms/{room_id}/projector", api(rooms.projector_link), methods=["POST"]),
        Route("/api/projector/room", api(rooms.projector_room), methods=["GET"]),
        Route("/api/projector/qr.svg", api(rooms.projector_qr), methods=["GET"]),
        Route("/api/projector/history", api(poll.projector_history), methods=["GET"]),
        Route("/api/rooms/{room_id}/history", api(poll.history), methods=["GET"]),
        Route("/api/rooms/{room_id}/rounds/{round_id}/reveal", api(poll.reveal), methods=["POST"]),
        Route("/api/rooms/{room_id}/export.json", api(exports.export_json), methods=["GET"]),
        Route("/api/rooms/{room_id}/export.html", api(exports.export_html), methods=["GET"]),
        Route("/api/rooms/{room_id}/export.pdf", api(exports.export_pdf), methods=["GET"]),
        Route("/api/rooms/{room_id}/children.html", api(exports.children_html), methods=["GET"]),
        Route("/api/rooms/{room_id}/children.pdf", api(exports.children_pdf), methods=["GET"]),
        Route("/api/rooms/{room_id}/progress", api(progress.progress), methods=["GET"]),
        Route("/api/rooms/{room_id}/progress/point", api(progress.choose_point), methods=["PUT"]),
        Route("/api/rooms/{room_id}/childtools", api(childtools.add_entry), methods=["POST"]),
        Route("/api/rooms/{room_id}/childtools/{entry_id}", api(childtools.change_entry), methods=["PATCH"]),
        Route("/api/rooms/{room_id}/childtools/{entry_id}", api(childtools.remove_entry), methods=["DELETE"]),
        Route("/api/rooms/{room_id}/photos", api(photos.upload), methods=["POST"]),
        Route("/api/rooms/{room_id}/photos/{photo_id}", api(photos.serve), methods=["GET"]),
        Route("/api/participants", api(participants.add_participant), methods=["POST"]),
        Route("/api/participants/{participant_id}/admit", api(participants.admit), methods=["POST"]),
        Route("/api/participants/{participant_id}/rename", api(participants.rename), methods=["POST"]),
        Route("/api/participants/{participant_id}/view", api(participants.child_view), methods=["POST"]),
        Route("/api/participants/{participant_id}/remove", api(participants.remove), methods=["POST"]),
        Route("/api/participants/{participant_id}/photo", api(safetypeople.add_photo), methods=["PUT"]),
        Route("/api/participants/{participant_id}/photo", api(safetypeople.serve_photo), methods=["GET"]),
        Route("/api/participants/{participant_id}/photo", api(safetypeople.remove_photo), methods=["DELETE"]),
        Route("/api/participants/{participant_id}/safety-person", api(safetypeople.choose), methods=["PUT"]),
        Route("/api/join", api(joins.join), methods=["POST"]),
        Route("/api/join", api(joining.leave), methods=["DELETE"]),
        Route("/api/join/status", api(joining.join_status), methods=["GET"]),
        Route("/j/{code}", joining.short_link, methods=["GET"]),
        Route("/api/rooms/{room_id}/journal", api(planlinks.journal), methods=["GET"]),
        Route("/api/rooms/{room_id}/links", api(planlinks.make_link), methods=["POST"]),
        Route("/api/rooms/{room_id}/call-network", api(planlinks.call_network), methods=["POST"]),
        Route("/api/rooms/{room_id}/links/end", api(planlinks.end_links), methods=["POST"]),
        Route("/api/links/{link_id}/revoke", api(planlinks.revoke_link), methods=["POST"]),
        Route("/api/plan", api(links.plan), methods=["GET"]),
        Route("/api/plan", api(planlinks.leave), methods=["DELETE"]),
        Route("/api/plan/reports", api(links.report), methods=["POST"]),
        Route("/l/{token}", links.open_link, methods=["GET"]),
        # The privacy officer's view (server.meetings.http.privacy).
        Route("/api/privacy/audit", api(privacy.audit_log), methods=["GET"]),
        Route("/api/privacy/audit.csv", api(privacy.audit_csv), methods=["GET"]),
        Route("/api/privacy/accounts", api(privacy.accounts), methods=["GET"]),
        Route("/api/privacy/cases/{case_id}/access", api(privacy.case_access), methods=["GET"]),
        Route("/api/privacy/deletions", api(privacy.deletions), methods=["GET"]),
        Route("/api/sso", api(sso.offer), methods=["GET"]),
        Route("/auth/oidc/login", api(sso.login), methods=["GET"]),
        Route("/auth/oidc/callback", api(sso_callback), methods=["GET"]),
        Route("/api/account", api(account.account_state), methods=["GET"]),
        Route("/api/account/link", api(accounts.link), methods=["POST"]),
        Route("/api/account/password", api(accounts.set_password), methods=["POST"]),
        Route("/api/account/totp", api(accounts.begin_totp), methods=["POST"]),
        Route("/api/account/totp/qr.svg", api(accounts.totp_qr), methods=["GET"]),
        Route("/api/account/totp/confirm", api(accounts.confirm_totp), methods=["POST"]),
        Route("/api/session/second-factor", api(accounts.second_factor), methods=["POST"]),
        Route("/api/admin/invites", api(accounts.invite), methods=["POST"]),
        Route("/api/admin/accounts/{facilitator_id}/reset", api(accounts.reset), methods=["POST"]),
        Route("/api/admin/accounts", api(admin.list_accounts), methods=["GET"]),
        Route("/api/admin/accounts/{account_id}/roles", api(admin.change_role), methods=["POST"]),
        Route("/api/admin/accounts/{account_id}/active", api(admin.change_active), methods=["POST"]),
        Route("/api/admin/teams", api(admin.list_teams), methods=["GET"]),
        Route("/api/admin/teams", api(admin.create_team), methods=["POST"]),
        Route("/api/admin/teams/{team_id}", api(admin.rename_team), methods=["PATCH"]),
        Route("/api/admin/teams/{team_id}/members", api(admin.change_member), methods=["POST"]),
        Route("/api/cases/{case_id}/move", api(teams.move_case), methods=["POST"]),
        Route("/api/cases/{case_id}/move-options", api(teams.move_options), methods=["GET"]),
    ]
