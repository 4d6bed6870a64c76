"""The shared objects every handler needs, kept in ``application.bot_data["services"]``.

Handlers reach them through ``services(context)`` (start-up code through
``services(application)``) instead of module globals, so a test can build an application around
any engine, store and settings.
"""

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.config import Settings
from bot.engine import Engine
from bot.storage import Store
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.metrics import Metrics
from bot.telegram.review_log import ReviewLog

SERVICES_KEY = "services"


@dataclass(frozen=True)
class Services:
    engine: Engine
    store: Store
    settings: Settings
    codec: CallbackCodec
    metrics: Metrics
    review_log: ReviewLog


def services(
    holder: CallbackContext[Any, Any, Any, Any] | Application[Any, Any, Any, Any, Any, Any],
) -> Services:
    found: Services = holder.bot_data[SERVICES_KEY]
    return found
