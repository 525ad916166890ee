"""The daily review digest, sent to a real SMTP server (aiosmtpd, in this process, on a free port):
what it says, what it never says, and that two processes on one store send it once a day."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import email
import email.policy
import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from pycrdt import Array, Doc, Map, Text

from server import digest
from server.app import build
from server.meetings.domain import reviews
from server.process import Kring
from server.settings import Settings, SmtpSettings
from server.store.migrate import migrate
from tests.utils import eventually, free_port, settings_for

# A family's name and a note's words that must never leave in an e-mail.
CANARY = "Zwaluwstaart"


@dataclass
class Inbox:
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpSettings]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, sender="kring@jeugdzorg.test", security="none")
    finally:
        controller.stop()


def body(message: email.message.EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Kring]:
    """One server process's parts on the store (its web side is not needed to send mail)."""
    kring = build(settings)
    await kring.log.start()
    try:
        yield kring
    finally:
        await kring.registry.close()
        await kring.log.close()
        await kring.engine.dispose()


def on(n: int) -> str:
    return (reviews.today("Europe/Amsterdam") + datetime.timedelta(days=n)).isoformat()


async def seed(kring: Kring) -> str:
    """Fatima's case with one overdue, one due and one later rule, full of the family's name; Bram
    has a case with nothing due. Returns Fatima's case label."""
    store = kring.meetings
    fatima = await store.add_facilitator("fatima@jeugdzorg.test", "Fatima", "correct horse battery staple")
    bram = await store.add_facilitator("bram@jeugdzorg.test", "Bram", "correct horse battery staple")
    case = await store.create_case(fatima.id, "Casus 2026-17")
    await store.add_network_member(case.id, name=f"Oma {CANARY}", relation="family")
    meeting = await store.create_meeting(case.id, f"Netwerkberaad {CANARY}", [], None)
    [room] = await store.rooms_of(meeting.id)
    oma, _token = await store.add_participant(room.id, f"Oma {CANARY}", "family", admitted=True)

    def plan(doc: Doc[Any]) -> None:
        rules = doc.get("agreements", type=Map)
        rules["a"] = Map(
            {
                "section": "immediate",
                "text": Text(f"Oma {CANARY} is bij elk bezoek"),
                "status": "agreed",
                "owners": Array([oma.id]),
                "review": on(-2),
            }
        )
        rules["b"] = Map({"section": "immediate", "text": Text(f"{CANARY} belt"), "status": "trying", "review": on(0)})
        rules["c"] = Map({"section": "longer", "text": Text("Later"), "status": "agreed", "review": on(9)})

    await kring.live.edit(room.id, "board", plan)
    quiet = await store.create_case(bram.id, "Casus 2026-18")
    meeting = await store.create_meeting(quiet.id, "Rustig", [], None)
    [calm] = await store.rooms_of(meeting.id)
    await kring.live.edit(
        calm.id,
        "board",
        lambda d: d.get("agreements", type=Map).__setitem__(
            "x", Map({"section": "longer", "text": Text("Rustig"), "status": "agreed", "review": on(30)})
        ),
    )
    return case.label


async def test_the_digest_goes_out_once_a_day_from_two_processes_with_counts_and_no_names(
    tmp_path: Path, database_url: str, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, server = smtp
    settings = settings_for(tmp_path, database_url=database_url, smtp=server)
    day = reviews.today(settings.time_zone)
    async with running(settings) as one, running(settings) as two:
        label = await seed(one)
        # Both processes reach the day's hour at once: the store's claim lets one of them send.
        first, second = await asyncio.gather(digest.send_digests(one, day), digest.send_digests(two, day))
        assert len(first) + len(second) == 1
        [message] = inbox.messages
        assert inbox.envelopes == [("kring@jeugdzorg.test", ["fatima@jeugdzorg.test"])]
        assert message["To"] == "fatima@jeugdzorg.test" and message["From"] == "kring@jeugdzorg.test"
        assert message["Subject"].startswith("Kring: reviews van ")
        text = body(message)
        assert f"{label}: 1 review te laat, 1 review binnenkort" in text
        assert f"{settings.public_url}/console" in text
        # Never the family's name, the meeting's title or a rule's words: only label, counts, dates.
        raw = message.as_string()
        assert CANARY not in raw and "bezoek" not in raw and "Oma" not in raw
        # Later that day, from either process: nothing more.
        assert await digest.send_digests(one, day) == [] and await digest.send_digests(two, day) == []
        assert len(inbox.messages) == 1
        # The next day the due rule is overdue too, and the digest goes out again (once).
        later = day + datetime.timedelta(days=1)
        again = await asyncio.gather(digest.send_digests(two, later), digest.send_digests(one, later))
        assert sum(len(sent) for sent in again) == 1
        assert f"{label}: 2 reviews te laat" in body(inbox.messages[1])
        # The claim itself, raced by two processes' stores: exactly one wins.
        fatima = next(p for p in await one.meetings.facilitators() if p.email == "fatima@jeugdzorg.test")
        third = day + datetime.timedelta(days=2)
        raced = await asyncio.gather(*(store.claim_digest(third, fatima.id) for store in (one.meetings, two.meetings)))
        assert sorted(raced) == [False, True]


async def test_without_smtp_nothing_is_sent_and_a_preview_claims_nothing(
    tmp_path: Path, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, server = smtp
    settings = settings_for(tmp_path)
    assert settings.smtp is None
    await asyncio.to_thread(migrate, settings.database_url)
    day = reviews.today(settings.time_zone)
    async with running(settings) as kring:
        await seed(kring)
        assert await digest.send_digests(kring, day) == []
        [preview] = await digest.send_digests(kring, day, dry_run=True)
        assert preview.to == "fatima@jeugdzorg.test" and CANARY not in preview.body
    # Configured later the same day: the preview and the run without SMTP claimed nothing.
    async with running(settings.with_(smtp=server)) as kring:
        assert len(await digest.send_digests(kring, day)) == 1
    assert len(inbox.messages) == 1


async def test_a_digest_that_could_not_be_sent_is_sent_at_the_next_beat(
    tmp_path: Path, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, server = smtp
    settings = settings_for(tmp_path)
    await asyncio.to_thread(migrate, settings.database_url)
    day = reviews.today(settings.time_zone)
    nobody = dataclasses.replace(server, port=free_port(), timeout=5)  # nothing listens there
    async with running(settings.with_(smtp=nobody)) as kring:
        await seed(kring)
        assert await digest.send_digests(kring, day) == []
    async with running(settings.with_(smtp=server)) as kring:
        assert len(await digest.send_digests(kring, day)) == 1
    assert [m["To"] for m in inbox.messages] == ["fatima@jeugdzorg.test"]


async def test_the_digest_takes_further_sections(tmp_path: Path, smtp: tuple[Inbox, SmtpSettings]) -> None:
    """The hook the safety journal uses for "rules that did not hold"."""
    inbox, server = smtp
    settings = settings_for(tmp_path, smtp=server)
    await asyncio.to_thread(migrate, settings.database_url)

    async def journal(kring: Any, person: Any, day: datetime.date, words: dict[str, Any]) -> digest.Section:
        return digest.Section("Niet gehouden", [f"Casus voor {person.id}: 1 regel"])

    async with running(settings) as kring:
        await seed(kring)
        sent = await digest.send_digests(kring, reviews.today(settings.time_zone), sections=[*digest.SECTIONS, journal])
    # Bram has no review due, but the extra section speaks to him as well.
    assert sorted(d.to for d in sent) == ["bram@jeugdzorg.test", "fatima@jeugdzorg.test"]
    assert all("Niet gehouden" in body(m) for m in inbox.messages)


async def test_the_digest_counts_per_case_the_rules_that_did_not_hold_this_week(
    tmp_path: Path, database_url: str, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    """The safety journal's section: per case its label and how many rules were reported not held in
    the last seven days; never a rule's words, a name or a note's text."""
    inbox, server = smtp
    settings = settings_for(tmp_path, database_url=database_url, smtp=server)
    day = reviews.today(settings.time_zone)
    async with running(settings) as kring:
        label = await seed(kring)
        store = kring.meetings
        fatima = next(p for p in await store.facilitators() if p.email == "fatima@jeugdzorg.test")
        [case] = await store.cases_of(fatima.id)
        [meeting] = await store.meetings_of_case(case.id)
        [room] = await store.rooms_of(meeting.id)
        [oma] = await store.participants_of(room.id)
        ago = [day - datetime.timedelta(days=n) for n in range(12)]
        await store.add_journal_entry(room.id, oma.id, "a", "not_held", f"Oma {CANARY} was er niet", ago[1])
        await store.add_journal_entry(room.id, oma.id, "a", "not_held", "", ago[2])  # the same rule again
        await store.add_journal_entry(room.id, oma.id, "b", "not_held", "", ago[6])  # the week's first day
        await store.add_journal_entry(room.id, oma.id, "c", "not_held", "", ago[7])  # a week and a day: out
        await store.add_journal_entry(room.id, oma.id, "c", "held", "", ago[0])
        sent = await digest.send_digests(kring, day)
    assert [d.to for d in sent] == ["fatima@jeugdzorg.test"]  # Bram's quiet case: no section, no mail
    [message] = inbox.messages
    text = body(message)
    assert "Afspraken die niet gehouden zijn (afgelopen 7 dagen)" in text
    assert f"- {label}: 2 afspraken niet gehouden" in text
    raw = message.as_string()
    assert CANARY not in raw and "Oma" not in raw and "was er niet" not in raw


def test_the_digest_waits_for_the_hour_in_the_organisations_time_zone(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, digest_hour=7)

    class Parts:
        pass

    kring: Any = Parts()
    kring.settings = settings
    # 05:59 UTC is 06:59 in Amsterdam in winter: not yet; 06:00 UTC is seven o'clock there.
    assert digest.due_day(kring, datetime.datetime(2026, 12, 7, 5, 59, tzinfo=datetime.UTC)) is None
    assert digest.due_day(kring, datetime.datetime(2026, 12, 7, 6, 0, tzinfo=datetime.UTC)) == datetime.date(
        2026, 12, 7
    )


def test_smtp_settings_come_from_the_environment(tmp_path: Path) -> None:
    base = {"KRING_VAR_DIR": str(tmp_path / "var")}
    assert Settings.from_env(base).smtp is None
    found = Settings.from_env(
        {
            **base,
            "KRING_SMTP_HOST": "mail.example.org",
            "KRING_SMTP_FROM": "kring@example.org",
            "KRING_SMTP_USER": "kring",
            "KRING_SMTP_PASSWORD": "geheim",
            "KRING_DIGEST_HOUR": "8",
        }
    )
    assert found.smtp == SmtpSettings(
        host="mail.example.org", port=587, sender="kring@example.org", user="kring", password="geheim"
    )
    assert found.digest_hour == 8
    with pytest.raises(ValueError, match="KRING_SMTP_FROM"):
        Settings.from_env({**base, "KRING_SMTP_HOST": "mail.example.org"})
    with pytest.raises(ValueError, match="KRING_DIGEST_HOUR"):
        Settings.from_env({**base, "KRING_DIGEST_HOUR": "24"})


async def test_kring_digest_now_sends_and_preview_only_prints(tmp_path: Path, smtp: tuple[Inbox, SmtpSettings]) -> None:
    inbox, server = smtp
    settings = settings_for(tmp_path)
    await asyncio.to_thread(migrate, settings.database_url)
    async with running(settings) as kring:
        label = await seed(kring)
    env = {**os.environ, "KRING_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": settings.database_url}
    kring_cli = str(Path(sys.executable).parent / "kring")

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [kring_cli, "digest", *args], env={**env, **extra}, capture_output=True, text=True, timeout=60
        )

    refused = await asyncio.to_thread(run, "--now")
    assert refused.returncode == 2 and "KRING_SMTP_HOST" in refused.stderr
    preview = await asyncio.to_thread(run, "--preview")
    assert preview.returncode == 0, preview.stderr
    assert "To: fatima@jeugdzorg.test" in preview.stdout and label in preview.stdout and CANARY not in preview.stdout
    assert inbox.messages == []
    smtp_env = {
        "KRING_SMTP_HOST": server.host,
        "KRING_SMTP_PORT": str(server.port),
        "KRING_SMTP_FROM": server.sender,
        "KRING_SMTP_SECURITY": "none",
    }
    sent = await asyncio.to_thread(run, "--now", **smtp_env)
    assert sent.returncode == 0, sent.stderr
    assert [m["To"] for m in inbox.messages] == ["fatima@jeugdzorg.test"]
    # Run again the same day: each facilitator still hears once.
    assert (await asyncio.to_thread(run, "--now", **smtp_env)).returncode == 0
    assert len(inbox.messages) == 1


async def test_the_schedule_sends_the_days_digest_once_the_hour_has_come(
    tmp_path: Path, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, server = smtp
    settings = settings_for(tmp_path, smtp=server, digest_hour=0)  # the hour has come, whenever the test runs
    await asyncio.to_thread(migrate, settings.database_url)
    async with running(settings) as kring:
        await seed(kring)
        beat = asyncio.create_task(digest.run_digests(kring, interval=0.05))
        try:

            def delivered() -> None:
                assert [m["To"] for m in inbox.messages] == ["fatima@jeugdzorg.test"]

            await eventually(delivered)
            # More beats the same day send nothing more: the claim is the store's.
            day = reviews.today(settings.time_zone)
            assert not await kring.meetings.claim_digest(day, (await kring.meetings.facilitators())[0].id)
        finally:
            await digest.stop(beat)
    assert len(inbox.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_the_digest_logs_in_where_the_server_asks_for_it(tmp_path: Path) -> None:
    inbox = Inbox()
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"geheim")

    port = free_port()
    # A relay on the LAN that wants a login but speaks no TLS (the test has no certificate to trust).
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_required=True, auth_require_tls=False
    )
    controller.start()
    try:
        server = SmtpSettings(
            host="127.0.0.1", port=port, sender="kring@jeugdzorg.test", security="none", user="kring", password="geheim"
        )
        settings = settings_for(tmp_path, smtp=server)
        await asyncio.to_thread(migrate, settings.database_url)
        async with running(settings) as kring:
            await seed(kring)
            assert len(await digest.send_digests(kring, reviews.today(settings.time_zone))) == 1
    finally:
        controller.stop()
    assert logins == [(b"kring", b"geheim")]
    assert [m["To"] for m in inbox.messages] == ["fatima@jeugdzorg.test"]


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the system's openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = directory / "smtp.pem", directory / "smtp.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


async def test_the_digest_goes_over_starttls_and_checks_the_servers_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _certificate(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True)
    controller.start()
    try:
        server = SmtpSettings(
            host="127.0.0.1", port=port, sender="kring@jeugdzorg.test", security="starttls", timeout=5
        )
        settings = settings_for(tmp_path, smtp=server)
        await asyncio.to_thread(migrate, settings.database_url)
        day = reviews.today(settings.time_zone)
        async with running(settings) as kring:
            await seed(kring)
            # A certificate nobody vouches for: refused, nothing sent, the claim given back.
            assert await digest.send_digests(kring, day) == []
            assert inbox.messages == []
            # Trusted (as the organisation's own CA would be): sent, encrypted.
            monkeypatch.setenv("SSL_CERT_FILE", str(cert))
            assert len(await digest.send_digests(kring, day)) == 1
    finally:
        controller.stop()
    assert [m["To"] for m in inbox.messages] == ["fatima@jeugdzorg.test"]
