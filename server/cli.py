"""`kring serve` and `kring migrate`."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from server.logs import configure
from server.settings import Settings
from server.store.migrate import migrate


def uvicorn_config(settings: Settings, app: object) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        # Board frames are small: per-message deflate costs CPU and latency and saves nothing.
        ws_per_message_deflate=False,
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
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    configure(settings.log_level)
    if args.command == "migrate" or getattr(args, "migrate", False):
        migrate(settings.database_url)
    if args.command == "serve":
        from server.app import create_app

        uvicorn.Server(uvicorn_config(settings, create_app(settings))).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
