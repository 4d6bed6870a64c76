"""The shared objects every handler needs, kept in ``application.bot_data["services"]``.

Handlers reach them through ``services(context)`` instead of module globals, so a test can build
an application around any engine, store and settings.
"""

from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext

from bot.config import Settings
from bot.engine import Engine
from bot.storage import Store

SERVICES_KEY = "services"


@dataclass(frozen=True)
class Services:
    engine: Engine
    store: Store
    settings: Settings


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    found: Services = context.bot_data[SERVICES_KEY]
    return found
