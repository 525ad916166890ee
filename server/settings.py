"""Typed settings read from the environment, with defaults that work with nothing set."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


def var_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("KRING_VAR_DIR", "var")).resolve()


def _secret_key(env: Mapping[str, str], var_dir: Path, *, wait: float = 10.0) -> str:
    """An unset SECRET_KEY is generated once and kept, so sessions survive a restart.

    Several processes may start at once on one var dir: the first to create the file wins and the
    others read its key. The file appears whole (written aside, then linked into place), but one
    left empty by an older version's race, or by a crash, is waited on and never used as a key.
    """
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        spare = var_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        key = secrets.token_urlsafe(48)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(key)
                f.flush()
                os.fsync(f.fileno())
            # link, unlike rename, refuses to replace: of processes racing, exactly one key wins.
            os.link(spare, path)
            return key
        except FileExistsError:
            pass
        except OSError:
            # No hard links on this file system: created in place, where a racing reader waits
            # below for the write.
            with contextlib.suppress(FileExistsError):
                with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                    f.write(key)
                return key
        finally:
            spare.unlink(missing_ok=True)
    deadline = time.monotonic() + wait
    while True:
        key = path.read_text().strip()
        if key:
            return key
        if time.monotonic() >= deadline:
            raise RuntimeError(f"{path} is empty: delete it (a new key is generated) or set SECRET_KEY")
        time.sleep(0.05)


def _origins(raw: str, public_url: str, port: int, public_url_set: bool) -> list[str]:
    if raw:
        return [o.strip() for o in raw.split(",") if o.strip()]
    if not public_url_set:
        # The embedded default: whoever opens it as localhost or as 127.0.0.1 on this machine.
        return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    return [public_url.rstrip("/")]


@dataclass(frozen=True)
class SmtpSettings:
    """Where the digest e-mail goes out: the organisation's own mail server."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    # "starttls" (the default, port 587), "tls" (implicit, port 465) or "none" (a relay on the LAN).
    security: str = "starttls"
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        host = env.get("KRING_SMTP_HOST", "").strip()
        if not host:
            return None
        security = env.get("KRING_SMTP_SECURITY", "starttls").strip().lower()
        if security not in ("starttls", "tls", "none"):
            raise ValueError(f"KRING_SMTP_SECURITY must be starttls, tls or none, not {security!r}")
        sender = env.get("KRING_SMTP_FROM", "").strip()
        if not sender:
            raise ValueError("KRING_SMTP_FROM (the digest's sender address) must be set with KRING_SMTP_HOST")
        default_port = {"starttls": "587", "tls": "465", "none": "25"}[security]
        return cls(
            host=host,
            port=int(env.get("KRING_SMTP_PORT", default_port)),
            sender=sender,
            user=env.get("KRING_SMTP_USER") or None,
            password=env.get("KRING_SMTP_PASSWORD") or None,
            security=security,
            timeout=float(env.get("KRING_SMTP_TIMEOUT", "30")),
        )


# Kring's roles, as the role map may name them (server/store/models.py ROLES; kept here so that the
# settings need not import the store).
SSO_ROLES = ("facilitator", "team_lead", "admin", "privacy_officer")


def _pairs(raw: str, name: str) -> tuple[tuple[str, str], ...]:
    """`group=value,group=value`: a group may appear more than once (one group, several roles)."""
    pairs = []
    for item in raw.split(","):
        if not item.strip():
            continue
        group, sep, value = item.partition("=")
        if not sep or not group.strip() or not value.strip():
            raise ValueError(f"{name} must read group=value,group=value; {item.strip()!r} does not")
        pairs.append((group.strip(), value.strip()))
    return tuple(pairs)


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on with the organisation's OpenID Connect provider (docs/deploy.md, "Single sign-on")."""

    issuer: str
    client_id: str
    client_secret: str
    # The ID token claim that lists a person's groups ("groups" for Entra ID and Keycloak's mapper).
    groups_claim: str = "groups"
    role_map: tuple[tuple[str, str], ...] = ()
    team_map: tuple[tuple[str, str], ...] = ()
    # "create": a person the provider vouches for (with a mapped group) gets an account at first sign-in;
    # "refuse": only people already known here sign in.
    new_people: str = "create"
    scopes: str = "openid email profile"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OidcSettings | None:
        issuer = env.get("KRING_OIDC_ISSUER", "").strip().rstrip("/")
        if not issuer:
            return None
        if len(issuer) > 255:
            raise ValueError("KRING_OIDC_ISSUER is at most 255 characters")
        client_id = env.get("KRING_OIDC_CLIENT_ID", "").strip()
        secret = env.get("KRING_OIDC_CLIENT_SECRET", "")
        if not client_id or not secret:
            raise ValueError("KRING_OIDC_CLIENT_ID and KRING_OIDC_CLIENT_SECRET must be set with KRING_OIDC_ISSUER")
        role_map = _pairs(env.get("KRING_OIDC_ROLE_MAP", ""), "KRING_OIDC_ROLE_MAP")
        unknown = sorted({role for _, role in role_map} - set(SSO_ROLES))
        if unknown:
            raise ValueError(f"KRING_OIDC_ROLE_MAP names unknown roles {unknown}; known: {', '.join(SSO_ROLES)}")
        if not role_map:
            raise ValueError("KRING_OIDC_ROLE_MAP must map at least one group to a role")
        new_people = env.get("KRING_OIDC_NEW_PEOPLE", "create").strip().lower()
        if new_people not in ("create", "refuse"):
            raise ValueError(f"KRING_OIDC_NEW_PEOPLE must be create or refuse, not {new_people!r}")
        scopes = env.get("KRING_OIDC_SCOPES", "openid email profile").split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")
        team_map = _pairs(env.get("KRING_OIDC_TEAM_MAP", ""), "KRING_OIDC_TEAM_MAP")
        if any(len(team) > 120 for _, team in team_map):
            raise ValueError("KRING_OIDC_TEAM_MAP: a team name is at most 120 characters")
        return cls(
            issuer=issuer,
            client_id=client_id,
            client_secret=secret,
            groups_claim=env.get("KRING_OIDC_GROUPS_CLAIM", "groups").strip() or "groups",
            role_map=role_map,
            team_map=team_map,
            new_people=new_people,
            scopes=" ".join(scopes),
        )


def _password_login(raw: str, oidc: OidcSettings | None) -> bool:
    value = raw.strip().lower()
    if value not in ("on", "off"):
        raise ValueError(f"KRING_PASSWORD_LOGIN must be on or off, not {raw!r}")
    if value == "off" and oidc is None:
        raise ValueError("KRING_PASSWORD_LOGIN=off needs single sign-on (KRING_OIDC_ISSUER): nobody could sign in")
    return value == "on"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    host: str
    port: int
    secret_key: str
    public_url: str
    allowed_origins: list[str] = field(default_factory=list)
    # Limits and beats of the live runtime; documented in docs/protocol.md.
    max_frame_bytes: int = 1_000_000
    max_awareness_bytes: int = 16_384
    commit_window_ms: float = 2.0
    broadcast_window_ms: float = 0.0
    room_idle_seconds: float = 30.0
    compact_after_updates: int = 500
    log_level: str = "info"
    redis_prefix: str = "kring"
    # Flow control (docs/operations.md): frames a connection may send per second, and saved up.
    frames_per_second: float = 100.0
    frames_burst: float = 400.0
    # Messages waiting on one socket before it counts as a reader that stopped reading.
    max_send_queue: int = 2000
    # New connections per client address per second, and saved up.
    connects_per_second: float = 5.0
    connects_burst: float = 200.0
    # How often every open socket's session, token or link is checked again (0: never).
    revalidate_seconds: float = 5.0
    # A bearer token that lets a scraper read /metrics from another host; unset: loopback only.
    metrics_token: str | None = None
    # Days after a meeting closes before the board deletes it (it is exported before then).
    retention_days: float = 30.0
    # Where this process keeps its files (secret key, SQLite database, uploads/<room>).
    var_dir: Path = field(default_factory=lambda: Path("var").resolve())
    # The organisation's days: when a review is due and when the daily digest goes out.
    time_zone: str = "Europe/Amsterdam"
    # The daily e-mail digest of reviews (docs/operations.md); without a host nothing is sent.
    smtp: SmtpSettings | None = None
    digest_hour: int = 7
    # Single sign-on (None: not offered) and whether the e-mail and password form still works.
    oidc: OidcSettings | None = None
    password_login: bool = True
    # Every password account must set up a second factor (TOTP) before anything else; off leaves it
    # to each person. Single sign-on sessions skip it: the identity provider does its own.
    require_second_factor: bool = True
    # A facilitator session unused for longer than this has ended (docs/operations.md).
    idle_minutes: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var = var_dir(env)
        host = env.get("HOST", "127.0.0.1")
        port = int(env.get("PORT", "8000"))
        public_url = env.get("PUBLIC_URL", f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}")
        database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{var / 'kring.db'}"
        if not env.get("DATABASE_URL"):
            var.mkdir(parents=True, exist_ok=True)
        return cls(
            database_url=normalise_database_url(database_url),
            redis_url=env.get("REDIS_URL") or None,
            host=host,
            port=port,
            secret_key=_secret_key(env, var),
            public_url=public_url,
            allowed_origins=_origins(env.get("ALLOWED_ORIGINS", ""), public_url, port, "PUBLIC_URL" in env),
            max_frame_bytes=int(env.get("KRING_MAX_FRAME_BYTES", "1000000")),
            commit_window_ms=float(env.get("KRING_COMMIT_WINDOW_MS", "2")),
            broadcast_window_ms=float(env.get("KRING_BROADCAST_WINDOW_MS", "0")),
            room_idle_seconds=float(env.get("KRING_ROOM_IDLE_SECONDS", "30")),
            compact_after_updates=int(env.get("KRING_COMPACT_AFTER_UPDATES", "500")),
            log_level=env.get("LOG_LEVEL", "info"),
            redis_prefix=env.get("KRING_REDIS_PREFIX", "kring"),
            frames_per_second=float(env.get("KRING_FRAMES_PER_SECOND", "100")),
            frames_burst=float(env.get("KRING_FRAMES_BURST", "400")),
            max_send_queue=int(env.get("KRING_MAX_SEND_QUEUE", "2000")),
            connects_per_second=float(env.get("KRING_CONNECTS_PER_SECOND", "5")),
            connects_burst=float(env.get("KRING_CONNECTS_BURST", "200")),
            metrics_token=env.get("METRICS_TOKEN") or None,
            revalidate_seconds=float(env.get("KRING_REVALIDATE_SECONDS", "5")),
            retention_days=_retention_days(env.get("KRING_RETENTION_DAYS", "30")),
            var_dir=var,
            time_zone=_time_zone(env.get("KRING_TIME_ZONE", "Europe/Amsterdam")),
            smtp=SmtpSettings.from_env(env),
            digest_hour=_hour(env.get("KRING_DIGEST_HOUR", "7")),
            oidc=(oidc := OidcSettings.from_env(env)),
            password_login=_password_login(env.get("KRING_PASSWORD_LOGIN", "on"), oidc),
            require_second_factor=_switch("KRING_REQUIRE_SECOND_FACTOR", env.get("KRING_REQUIRE_SECOND_FACTOR", "1")),
            idle_minutes=_idle_minutes(env.get("KRING_IDLE_MINUTES", "30")),
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _retention_days(raw: str) -> float:
    days = float(raw)
    if not days >= 0:  # also refuses NaN: a typo must not keep (or delete) everything
        raise ValueError(f"KRING_RETENTION_DAYS must be 0 or more, not {raw!r}")
    return days


def normalise_database_url(url: str) -> str:
    """Operators write the URLs their platform hands them; the store needs async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def _time_zone(raw: str) -> str:
    from zoneinfo import ZoneInfo

    ZoneInfo(raw)  # an unknown zone fails at start-up, not at the first digest
    return raw


def _hour(raw: str) -> int:
    hour = int(raw)
    if not 0 <= hour <= 23:
        raise ValueError(f"KRING_DIGEST_HOUR must be 0 to 23, not {hour}")
    return hour


def _switch(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be on or off (1/0, true/false), not {raw!r}")


def _idle_minutes(raw: str) -> float:
    minutes = float(raw)
    if not minutes > 0:  # also refuses NaN: 0 would end every session at once
        raise ValueError(f"KRING_IDLE_MINUTES must be more than 0, not {raw!r}")
    return minutes
