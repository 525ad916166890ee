"""Settings from the environment: working defaults with nothing set."""

from __future__ import annotations

from pathlib import Path

from server.settings import Settings


def test_defaults_work_with_nothing_set(tmp_path: Path) -> None:
    settings = Settings.from_env({"KRING_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'kring.db'}"
    assert settings.redis_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.allowed_origins == ["http://localhost:8000", "http://127.0.0.1:8000"]
    # The generated secret is kept, so sessions survive a restart, and is private to its owner.
    assert Settings.from_env({"KRING_VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_values(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "KRING_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://kring@db/kring",
            "REDIS_URL": "redis://redis:6379/0",
            "PUBLIC_URL": "https://kring.example.nl",
            "SECRET_KEY": "k" * 48,
        }
    )
    assert settings.database_url == "postgresql+asyncpg://kring@db/kring"
    assert settings.allowed_origins == ["https://kring.example.nl"]
    assert settings.secret_key == "k" * 48
    assert not (tmp_path / "secret_key").exists()
