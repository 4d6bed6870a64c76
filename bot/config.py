"""Settings read from the environment, in one place so every entry point agrees on them."""

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"


@dataclass(frozen=True)
class Settings:
    """What the bot needs to know about its surroundings; only the token is secret."""

    token: str | None = None
    api_url: str | None = None
    data_dir: Path = Path("data")
    # DATABASE_URL=postgresql://… : one PostgreSQL shared by replicas; unset: SQLite in data_dir.
    database_url: str | None = None
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Every interface by default: a platform's HTTPS proxy forwards to PORT from outside.
    webhook_listen: str = "0.0.0.0"
    port: int = 8443
    # /metrics and /healthz are served only when a port is given, on the loopback by default.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # Seconds without a successful Bot API call before /healthz fails (tests shorten it).
    health_window: float = 60.0
    # FOOTBOT_KEEP_QUESTIONS=0 keeps no question texts for the review (bot/unanswered.py).
    keep_questions: bool = True

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if environ is None else environ)
        port = env.get("PORT", "").strip()
        metrics_port = env.get("METRICS_PORT", "").strip()
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            api_url=env.get("TELEGRAM_API_URL", "").strip() or None,
            data_dir=Path(env.get("FOOTBOT_DATA", "").strip() or "data"),
            database_url=env.get("DATABASE_URL", "").strip() or None,
            knowledge_dir=Path(env.get("FOOTBOT_KNOWLEDGE", "").strip() or DEFAULT_KNOWLEDGE_DIR),
            webhook_url=env.get("WEBHOOK_URL", "").strip() or None,
            webhook_secret=env.get("WEBHOOK_SECRET", "").strip() or None,
            webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or cls.webhook_listen,
            port=int(port) if port.isdigit() else cls.port,
            metrics_port=int(metrics_port) if metrics_port.isdigit() else None,
            metrics_host=env.get("METRICS_HOST", "").strip() or cls.metrics_host,
            keep_questions=env.get("FOOTBOT_KEEP_QUESTIONS", "").strip() != "0",
        )
