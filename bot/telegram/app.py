"""Building and running the Telegram application.

``build_application`` wires everything (bot, rate limiter, update order, handlers, error
handler, the reminder job, metrics and the /healthz server) and is what tests and benchmarks
use with an offline request. ``run`` is the process entry point: long polling by default
(pending updates are kept, so nothing sent while the bot was down is lost), or a webhook when
``WEBHOOK_URL`` is set (see webhook.py), always with a secret token that Telegram must echo on
every request. SIGINT and SIGTERM stop it gracefully: updates in hand are finished, unsent
reminders are released, the HTTP pool is closed. Configuration problems, including a Bot API
that cannot be reached at start or a metrics port in use, are one line and exit code 2.
"""

import asyncio
import logging
import re
import secrets
import signal
import ssl
import sys
from datetime import timedelta
from functools import cache, partial
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.engine import Engine, KnowledgeError
from bot.engine.languages import DEFAULT_LANGUAGE, Language
from bot.storage import StorageError, Store, open_store
from bot.telegram import errors
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.chat_language import language_reader
from bot.telegram.delivery import ReminderDelivery, reminder_message, schedule_ticks
from bot.telegram.handlers import (
    benefits,
    feedback,
    help,
    inline,
    language,
    media,
    questions,
    reminders,
    safety,
    start,
    techniques,
)
from bot.telegram.health import Health
from bot.telegram.logs import configure_logging, quiet_library_logs, redacted_token
from bot.telegram.metrics import Metrics, update_counter
from bot.telegram.monitoring import Monitoring, MonitoringError
from bot.telegram.ordering import ChatOrderedProcessor
from bot.telegram.ratelimit import PRODUCTION_POLICY, RetryingRateLimiter, RetryPolicy
from bot.telegram.review_log import ReviewLog, schedule_review_upkeep
from bot.telegram.routing import stale_button_handler
from bot.telegram.services import SERVICES_KEY, Services, services
from bot.telegram.updates import TolerantBot
from bot.telegram.webhook import WebhookServer

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
    language,
    feedback,
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
    "language",
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
BOOTSTRAP_RETRIES = 2  # deleteWebhook/setWebhook at startup, before giving up
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TokenError(ValueError):
    """The configured token is missing or cannot be a bot token (the message never quotes it)."""


class ReplicaSettingsError(ValueError):
    """Settings that cannot work for several replicas; the message is one line."""


def check_replica_settings(settings: Settings) -> None:
    """Webhook replicas sharing a database must share the secret token too: each replica calls
    setWebhook at start, so a random secret per replica would lock the others out."""
    if settings.database_url and settings.webhook_url and not settings.webhook_secret:
        raise ReplicaSettingsError(
            "WEBHOOK_SECRET must be set when webhook replicas share DATABASE_URL"
            " (the same value on every replica)"
        )


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
    """The method and file base URLs for a Bot API server given as its root
    (``http://host:8081``), as python-telegram-bot's own ``base_url`` (``…/bot``), or with an
    explicit ``{token}`` placeholder."""
    if "{token}" in api_url:
        return api_url, api_url.replace("/bot{token}", "/file/bot{token}")
    root = api_url.rstrip("/").removesuffix("/bot")
    return f"{root}/bot{{token}}", f"{root}/file/bot{{token}}"


def build_application(
    settings: Settings,
    engine: Engine,
    store: Store,
    *,
    request: BaseRequest | None = None,
    rate_limited: bool = True,
    retry_policy: RetryPolicy = PRODUCTION_POLICY,
    delivery: ReminderDelivery | None = None,
) -> Application:
    """The application, ready to initialize.

    ``request`` replaces HTTP (tests, benchmarks); ``rate_limited=False`` drops the rate limiter
    so a benchmark measures the bot's own cost rather than Telegram's 30 messages a second;
    ``retry_policy`` and ``delivery`` let tests shorten waits without changing the wiring.
    """
    token = checked_token(settings.token)
    quiet_library_logs()
    codec = CallbackCodec(engine.version)
    metrics = Metrics(subscribers=partial(store.call, Store.count_active))
    base_url, base_file_url = api_base_urls(settings.api_url or "https://api.telegram.org")
    bot = TolerantBot(
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        request=request or _http_request(),
        get_updates_request=request
        or _http_request(pool_size=1, read_timeout=POLL_TIMEOUT + READ_TIMEOUT),
        rate_limiter=RetryingRateLimiter(retry_policy, metrics=metrics) if rate_limited else None,
    )
    if delivery is None:
        delivery = ReminderDelivery(
            store, partial(reminder_message, engine, codec), metrics=metrics
        )
    review_log = ReviewLog(store, keep_questions=settings.keep_questions)
    health = Health(engine, store, metrics, settings.health_window)
    monitoring = Monitoring(metrics, health, bot, settings.metrics_host, settings.metrics_port)

    async def start_background_work(application: Application) -> None:
        await _register_commands(application)
        await monitoring.start()

    async def stop_background_work(application: Application) -> None:
        await delivery.stop()
        await review_log.flush()
        await monitoring.stop()

    application: Application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(ChatOrderedProcessor(CONCURRENT_UPDATES))
        .post_init(start_background_work)
        .post_stop(stop_background_work)
        .build()
    )
    bot.polling_conflict.stop = application.stop_running
    application.bot_data[SERVICES_KEY] = Services(
        engine=engine,
        store=store,
        settings=settings,
        codec=codec,
        metrics=metrics,
        review_log=review_log,
    )
    application.add_handler(language_reader(), group=-2)
    application.add_handler(update_counter(metrics), group=-1)
    for feature in FEATURES:
        feature.register(application)
    application.add_handler(help.unknown_command_handler())
    application.add_handler(stale_button_handler())
    application.add_error_handler(errors.on_error)
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    schedule_ticks(application.job_queue, delivery)
    schedule_review_upkeep(application.job_queue, review_log)
    return application


def run(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM; 2 for configuration problems, which get one line."""
    try:
        token = checked_token(settings.token)
        check_replica_settings(settings)
        engine = Engine.load(settings.knowledge_dir)
        store = open_store(settings.data_dir, settings.database_url)
    except (TokenError, ReplicaSettingsError, KnowledgeError, StorageError) as problem:
        print(f"footbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(token)
    try:
        application = build_application(settings, engine, store)
        asyncio.run(_check_bot_api(application))
        if settings.webhook_url:
            asyncio.run(serve_webhook(application, settings))
        else:
            application.run_polling(
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
                timeout=timedelta(seconds=POLL_TIMEOUT),
                bootstrap_retries=BOOTSTRAP_RETRIES,
                stop_signals=STOP_SIGNALS,
            )
            if isinstance(application.bot, TolerantBot) and application.bot.polling_conflict.seen:
                print(
                    "footbot: another process is polling Telegram with this token (409 Conflict):"
                    " run one poller, or several webhook replicas (WEBHOOK_URL)",
                    file=sys.stderr,
                )
                return EXIT_CONFIG
    except InvalidToken:
        print(
            f"footbot: Telegram rejected the bot token {redacted_token(token)}"
            " (check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except NetworkError as error:
        print(
            f"footbot: cannot reach the Bot API at {settings.api_url or 'api.telegram.org'}:"
            f" {error} (check TELEGRAM_API_URL and the network)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except MonitoringError as problem:
        print(f"footbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    finally:
        store.close()
    return EXIT_OK


async def _check_bot_api(application: Application) -> None:
    """Reach the Bot API once before starting, so that a wrong URL, a network down or a
    rejected token is one line, not the library's start-up retries with their tracebacks."""
    async with application.bot:
        pass  # initializing the bot asks the Bot API who it is


async def serve_webhook(application: Application, settings: Settings) -> None:
    """The webhook lifecycle, as ``run_polling`` does it for polling, until a stop signal.

    Every replica calls setWebhook at start, with the same URL, secret token and update types
    (``check_replica_settings`` insists on a shared secret), so a second call only repeats the
    first: harmless, and no replica has to be the one that registers.
    """
    options = webhook_options(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, stop.set)
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.bot.set_webhook(
            options["webhook_url"],
            secret_token=options["secret_token"],
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
        server = WebhookServer(application, options["url_path"], options["secret_token"])
        server.start(options["listen"], options["port"])
        await application.start()
        try:
            await stop.wait()
        finally:
            await server.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Where the webhook listens and what it demands: Telegram must echo the secret token on
    every request, so nobody else can post fake updates to the public URL."""
    if settings.webhook_url is None:
        raise ValueError("webhook mode needs WEBHOOK_URL")
    return {
        "listen": settings.webhook_listen,
        "port": settings.port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret or secrets.token_urlsafe(32),
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
        httpx_kwargs={"verify": _tls_context()},
    )


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's own default context (certifi's roots), made once: each of the bot's two HTTP
    clients would otherwise load the certificate store again, about a megabyte each."""
    return httpx.create_ssl_context()


async def _register_commands(application: Application) -> None:
    """The command menu and the bot's descriptions (what a person sees before pressing Start),
    in each language: English for everyone, and each other language for the people whose app
    speaks it. A failure here must not stop the bot."""
    engine, bot = services(application).engine, application.bot
    for spoken in Language:
        code = None if spoken is DEFAULT_LANGUAGE else spoken.value
        commands = [BotCommand(name, engine.text(f"command_{name}", spoken)) for name in COMMANDS]
        try:
            await bot.set_my_commands(commands, language_code=code)
            await bot.set_my_description(engine.text("bot_description", spoken), code)
            await bot.set_my_short_description(engine.text("bot_short_description", spoken), code)
        except TelegramError as error:
            _log.warning("could not register the %s command menu: %s", spoken, error)
