"""`kring serve`, `kring migrate`, `kring user add EMAIL`, `kring demo` and `kring digest`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import os
import sys

import uvicorn

from server.compat import ClosingWebSocketsProtocol, UpgradingHttpToolsProtocol
from server.logs import configure
from server.settings import Settings, var_dir
from server.store.migrate import migrate
from server.store.models import ROLES


def uvicorn_config(settings: Settings, app: object) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        # Board frames are small: per-message deflate costs CPU and latency and saves nothing.
        ws_per_message_deflate=False,
        # uvicorn's own protocols, minus a reference cycle per WebSocket each (server/compat.py)
        http=UpgradingHttpToolsProtocol,
        ws=ClosingWebSocketsProtocol,
        ws_max_size=settings.max_frame_bytes + 4096,
        log_config=None,
        lifespan="on",
        proxy_headers=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kring", description="A live board for family network meetings.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve HTTP and Socket.IO")
    serve.add_argument("--migrate", action="store_true", help="bring the schema up to date first")
    sub.add_parser("migrate", help="bring the database schema up to date")
    user = sub.add_parser("user", help="facilitator accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create a facilitator (or set a new password); password from stdin")
    add.add_argument("email")
    add.add_argument("--name", default=None, help="display name (default: the part before @)")
    add.add_argument(
        "--role",
        action="append",
        choices=ROLES,
        help="a role to hold (repeat for several; default: facilitator, and for the first account also admin);"
        " for an existing account, granted on top of the roles it holds",
    )
    demo = sub.add_parser("demo", help="seed the demo case (Max and Ash, a split meeting) if it is not there")
    demo.add_argument("--email", default="demo@kring.local")
    mail = sub.add_parser("digest", help="the daily review digest e-mail: preview it, or send today's now")
    mail.add_argument("--now", action="store_true", help="send today's digests now (each still once a day)")
    mail.add_argument("--preview", action="store_true", help="print today's digests and send nothing")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    configure(settings.log_level)
    # Adding the first account to a new database is the first thing an operator does: bring the
    # schema up first rather than fail on a missing table (with the new hash in the traceback).
    if args.command in ("migrate", "user") or getattr(args, "migrate", False):
        migrate(settings.database_url)
    if args.command == "user":
        return asyncio.run(_add_user(settings, args.email, args.name, tuple(args.role or ())))
    if args.command == "demo":
        from server.demo import seed_demo

        print(asyncio.run(seed_demo(settings, args.email, var_dir(os.environ))))
        return 0
    if args.command == "digest":
        return asyncio.run(_digest(settings, send=args.now and not args.preview))
    if args.command == "serve":
        from server.app import create_app
        from server.reach import lan_addresses, start_message

        app = create_app(settings)
        # Before uvicorn's own lines: the address people use, and whether a phone can reach it.
        print(start_message(settings.public_url, settings.port, lan_addresses()), flush=True)
        tune_collector()
        uvicorn.Server(uvicorn_config(settings, app)).run()
    return 0


def tune_collector() -> None:
    """Python's cyclic collector, at its defaults, runs every few hundred allocations and at times
    stops the event loop for 50-200 ms under fan-out load (measured: docs/performance.md). The
    long-lived objects of start-up are frozen out of its view and it runs far less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 20)


async def _digest(settings: Settings, *, send: bool) -> int:
    from server.app import build
    from server.digest import send_digests
    from server.meetings.domain.reviews import today

    if send and settings.smtp is None:
        print("KRING_SMTP_HOST is not set: no digest is sent (the console shows the reviews).", file=sys.stderr)
        return 2
    kring = build(settings)
    await kring.log.start()
    try:
        day = today(settings.time_zone)
        digests = await send_digests(kring, day, dry_run=not send)
    finally:
        await kring.registry.close()
        await kring.log.close()
        await kring.engine.dispose()
    for digest in digests:
        print(f"To: {digest.to}\nSubject: {digest.subject}\n\n{digest.body}")
    verb = "sent" if send else "to send (preview: nothing sent)"
    print(f"{len(digests)} digest(s) {verb} for {day.isoformat()}.", file=sys.stderr)
    return 0


def _read_password() -> str:
    """From the terminal without echo, or the first line of stdin when piped (scripts, CI)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Wachtwoord / password: ")
        if getpass.getpass("Nogmaals / again: ") != first:
            raise SystemExit("The passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\n")


async def _add_user(settings: Settings, email: str, name: str | None, roles: tuple[str, ...] = ()) -> int:
    from server.store.accounts import AccountStore
    from server.store.engine import create_engine
    from server.store.meetings import MeetingStore

    password = _read_password()
    if len(password) < 12:
        print("A password needs at least 12 characters.", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        store = MeetingStore(engine)
        accounts = AccountStore(engine)
        if await store.set_password(email, password):
            print(f"Password changed for {email}.")
            known = next(a for a in await accounts.accounts() if a.email == email.strip().lower())
            for role in roles:
                await accounts.set_role(known.id, role, True)
            held = (await accounts.account(known.id) or known).roles
        else:
            # The first account runs the place: whoever sets Kring up must be able to open /admin.
            first = not await store.facilitators()
            held = roles or (("facilitator", "admin") if first else ("facilitator",))
            await store.add_facilitator(email, name or email.split("@")[0], password, held)
            print(f"Facilitator {email} created.")
        print(f"Roles: {', '.join(r for r in ROLES if r in held)}.")
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
