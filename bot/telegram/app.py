"""Building and running the Telegram application.

``build_application`` wires everything (rate limiter, timeouts, commands, handlers, error
handler) and is what tests and benchmarks use with an offline request. ``run`` is the process
entry point: long polling by default (pending updates are kept, so nothing sent while the bot
was down is lost), or a webhook when ``WEBHOOK_URL`` is set, always with a secret token that
Telegram must echo on every request. SIGINT and SIGTERM stop it gracefully (PTB finishes the
update in hand, stops the job queue and closes the HTTP pool).
"""

import logging
import re
import secrets
import signal
import sys
from datetime import timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.engine import Engine, KnowledgeError
from bot.storage import StorageError, Store
from bot.telegram import callbacks, errors
from bot.telegram.handlers import (
    benefits,
    help,
    inline,
    media,
    questions,
    reminders,
    safety,
    start,
    techniques,
)
from bot.telegram.logs import configure_logging, quiet_http_logs, redacted_token
from bot.telegram.pictures import prepare_pictures
from bot.telegram.ratelimit import RetryingRateLimiter
from bot.telegram.routing import stale_button_handler
from bot.telegram.services import SERVICES_KEY, Services, services

_log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CONFIG = 2

# Registered in this order; the first handler in a group that matches an update wins, so the
# catch-all free-text handler comes last.
FEATURES: tuple[ModuleType, ...] = (
    start,
    help,
    techniques,
    safety,
    benefits,
    reminders,
    inline,
    media,
    questions,
)
COMMANDS = (
    "start",
    "help",
    "techniques",
    "routine",
    "safety",
    "benefits",
    "reminder",
    "privacy",
    "forget",
)
TOKEN_PATTERN = re.compile(r"[0-9]{3,}:[A-Za-z0-9_-]{20,}")

# Seconds. Sends are small; getUpdates waits POLL_TIMEOUT on the server, plus slack.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 15.0
WRITE_TIMEOUT = 15.0
POOL_TIMEOUT = 5.0
POLL_TIMEOUT = 30
CONNECTION_POOL_SIZE = 32
CONCURRENT_UPDATES = 16
BOOTSTRAP_RETRIES = 5  # deleteWebhook/setWebhook at startup, before giving up
WEBHOOK_LISTEN = "0.0.0.0"  # behind the platform's HTTPS proxy, which forwards to PORT


class TokenError(ValueError):
    """The configured token is missing or cannot be a bot token (the message never quotes it)."""


def checked_token(token: str | None) -> str:
    if not token:
        raise TokenError("TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather)")
    if not TOKEN_PATTERN.fullmatch(token):
        raise TokenError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token"
            " (expected digits, a colon, then letters and digits)"
        )
    return token


def api_base_urls(api_url: str) -> tuple[str, str]:
    """PTB appends the token to a base URL unless it holds ``{token}``; say where it goes."""
    if "{token}" in api_url:
        return api_url, api_url.replace("/bot{token}", "/file/bot{token}")
    root = api_url.rstrip("/")
    return f"{root}/bot{{token}}", f"{root}/file/bot{{token}}"


def build_application(
    settings: Settings,
    engine: Engine,
    store: Store,
    *,
    request: BaseRequest | None = None,
    rate_limited: bool = True,
) -> Application:
    """The application, ready to initialize.

    ``request`` replaces HTTP (tests, benchmarks); ``rate_limited=False`` drops the rate limiter
    so a benchmark measures the bot's own cost rather than Telegram's 30 messages a second.
    """
    token = checked_token(settings.token)
    quiet_http_logs()
    callbacks.bind_version(engine.version)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(token)
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_register_commands)
    )
    if rate_limited:
        builder = builder.rate_limiter(RetryingRateLimiter())
    if settings.api_url:
        base_url, base_file_url = api_base_urls(settings.api_url)
        builder = builder.base_url(base_url).base_file_url(base_file_url)
    if request is None:
        builder = builder.request(_http_request()).get_updates_request(
            _http_request(pool_size=1, read_timeout=POLL_TIMEOUT + READ_TIMEOUT)
        )
    else:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data[SERVICES_KEY] = Services(engine=engine, store=store, settings=settings)
    for feature in FEATURES:
        feature.register(application)
    application.add_handler(help.unknown_command_handler())
    application.add_handler(stale_button_handler())
    application.add_error_handler(errors.on_error)
    return application


def run(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM; 2 for configuration problems, which get one line."""
    try:
        token = checked_token(settings.token)
        engine = Engine.load(settings.knowledge_dir)
        store = Store.open(settings.data_dir)
    except (TokenError, KnowledgeError, StorageError) as problem:
        print(f"footbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(token)
    prepare_pictures(settings)
    try:
        application = build_application(settings, engine, store)
        if settings.webhook_url:
            _run_webhook(application, settings)
        else:
            application.run_polling(
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
                timeout=timedelta(seconds=POLL_TIMEOUT),
                bootstrap_retries=BOOTSTRAP_RETRIES,
                stop_signals=(signal.SIGINT, signal.SIGTERM),
            )
    except InvalidToken:
        print(
            f"footbot: Telegram rejected the bot token {redacted_token(token)}"
            " (check TELEGRAM_BOT_TOKEN)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    finally:
        store.close()
    return EXIT_OK


def _run_webhook(application: Application, settings: Settings) -> None:
    application.run_webhook(
        **webhook_options(settings), stop_signals=(signal.SIGINT, signal.SIGTERM)
    )


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Where the webhook listens and what it demands: Telegram must echo the secret token on
    every request, so nobody else can post fake updates to the public URL."""
    if settings.webhook_url is None:
        raise ValueError("webhook mode needs WEBHOOK_URL")
    return {
        "listen": WEBHOOK_LISTEN,
        "port": settings.port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret or secrets.token_urlsafe(32),
        "allowed_updates": Update.ALL_TYPES,
        "drop_pending_updates": False,
        "bootstrap_retries": BOOTSTRAP_RETRIES,
    }


def _http_request(
    pool_size: int = CONNECTION_POOL_SIZE, read_timeout: float = READ_TIMEOUT
) -> HTTPXRequest:
    return HTTPXRequest(
        connection_pool_size=pool_size,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=read_timeout,
        write_timeout=WRITE_TIMEOUT,
        pool_timeout=POOL_TIMEOUT,
    )


async def _register_commands(application: Application) -> None:
    """The command menu Telegram clients show; a failure here must not stop the bot."""
    engine = services(application).engine
    commands = [BotCommand(name, engine.text(f"command_{name}")) for name in COMMANDS]
    try:
        await application.bot.set_my_commands(commands)
    except TelegramError as error:
        _log.warning("could not register the command menu: %s", error)
