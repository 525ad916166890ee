"""The pages' language: the person's choice (`?lang=`, then the session's cookie), else the browser's
Accept-Language matched against the catalogues there are, else Dutch; a choice is remembered in a
session cookie only, which leaving and logging out delete."""

from __future__ import annotations

import re

import httpx
import pytest

from server.html_shell import accepted_language
from tests.meetings_helpers import browser, cookie_attributes, facilitator, join, split_meeting
from tests.utils import RunningServer

HTML_LANG = re.compile(r'<html lang="([a-z]+)">')


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US", "en"),  # a region is matched by its language
        ("en-GB,en;q=0.9", "en"),
        ("nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("de-DE,de;q=0.9,en;q=0.5,nl;q=0.4", "en"),  # the best one there is a catalogue for
        ("nl;q=0.3, en;q=0.7", "en"),  # by q-value, not by order
        ("en;q=0.5, nl;q=0.5", "en"),  # a tie: the order given
        ("EN-us", "en"),
        ("en;q=0, nl", "nl"),  # q=0 means "not this one"
        ("en;q=0", None),
        ("en;q=x, nl;q=0.1", "nl"),  # a broken q-value is no preference
        ("en;q=nan", None),
        ("fr-FR, de", None),  # none with a catalogue: the caller's default
        ("*", "nl"),
        ("fr, *;q=0.1", "nl"),
        ("", None),
        (None, None),
        (",,;;q=,", None),
    ],
)
def test_the_accept_language_header_picks_the_best_catalogue(header: str | None, expected: str | None) -> None:
    assert accepted_language(header) == expected


async def page_of(client: httpx.AsyncClient, path: str, **headers: str) -> tuple[str, httpx.Response]:
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    found = HTML_LANG.search(response.text)
    assert found is not None
    return found.group(1), response


@pytest.mark.parametrize("path", ["/login", "/join", "/board", "/projector", "/plan", "/"])
async def test_a_first_visit_speaks_the_browsers_language(server: RunningServer, path: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await page_of(client, path, **{"Accept-Language": "en-US,en;q=0.9"}))[0] == "en"
        assert (await page_of(client, path, **{"Accept-Language": "fr-FR"}))[0] == "nl"
        lang, response = await page_of(client, path)
        assert lang == "nl"
        assert "set-cookie" not in response.headers  # nothing chosen, nothing remembered
        assert "Accept-Language" in response.headers["vary"]


async def test_the_shell_arrives_in_its_language(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        _, english = await page_of(client, "/login", **{"Accept-Language": "en-GB"})
        assert '<h1 data-i18n="loginTitle">Log in for facilitators</h1>' in english.text
        assert '<title data-i18n="pageLogin">Kring · Log in</title>' in english.text
        _, dutch = await page_of(client, "/login")
        assert '<h1 data-i18n="loginTitle">Inloggen voor gespreksleiders</h1>' in dutch.text


async def test_a_choice_is_remembered_for_the_session_only(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        lang, chosen = await page_of(client, "/join?lang=en")
        assert lang == "en"
        assert cookie_attributes(chosen, "kring_lang") == {"path=/", "httponly", "samesite=strict"}  # no max-age
        # Typed without ?lang=, against a Dutch browser: the session's choice wins.
        lang, again = await page_of(client, "/join", **{"Accept-Language": "nl"})
        assert lang == "en"
        assert "set-cookie" not in again.headers
        # The address wins over the session, and becomes the session's choice.
        lang, _ = await page_of(client, "/board?lang=nl", **{"Accept-Language": "en"})
        assert lang == "nl"
        assert client.cookies["kring_lang"] == "nl"
        # A language without a catalogue is no choice.
        lang, _ = await page_of(client, "/board?lang=xx")
        assert lang == "nl" and client.cookies["kring_lang"] == "nl"
    async with httpx.AsyncClient(base_url=server.url, cookies={"kring_lang": "../en"}) as client:
        assert (await page_of(client, "/join", **{"Accept-Language": "en"}))[0] == "en"
        assert (await page_of(client, "/join"))[0] == "nl"


def deletes(response: httpx.Response, name: str) -> bool:
    attributes = cookie_attributes(response, name)
    return "max-age=0" in attributes or any(a.startswith("expires=thu, 01 jan 1970") for a in attributes)


async def test_leaving_and_logging_out_delete_the_choice(server: RunningServer) -> None:
    async with facilitator(server, "lang@example.org") as desk:
        meeting = await split_meeting(desk, ["Moeder"])
        assert (await desk.patch(f"/api/meetings/{meeting['id']}", json={"admit_all": True})).status_code == 200
        await page_of(desk, "/console?lang=en")
        logout = await desk.delete("/api/session", headers={"Content-Type": "application/json"})
        assert logout.status_code == 204
        assert deletes(logout, "kring_lang")
        assert "kring_lang" not in desk.cookies

    async with browser(server) as phone:
        await page_of(phone, "/join?lang=en")
        assert (await join(phone, meeting["rooms"][0]["join_code"])).status_code == 201
        left = await phone.request("DELETE", "/api/join", json={})
        assert left.status_code == 204
        assert deletes(left, "kring_lang") and deletes(left, "kring_participant")
        assert dict(phone.cookies) == {}
