"""Logging that never shows the bot token, and shows what happened rather than routine.

The token is part of every Bot API URL, and httpx logs each request URL at INFO; PTB's
``InvalidToken`` and some network errors can quote it too. Two defences: the HTTP client
loggers are quietened to WARNING (no per-request lines at all), and every handler of the root
logger gets a filter that replaces the token wherever it still appears, tracebacks included.
APScheduler is quietened the same way: it would write two INFO lines for every reminder tick.
python-telegram-bot never logs below INFO, because its DEBUG lines quote every request's
parameters, message texts included, and people describe their health to this bot.
"""

import logging

QUIET_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "telegram": logging.INFO,
}
REDACTED = "<bot-token>"


def quiet_library_logs() -> None:
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def redact(text: str, token: str) -> str:
    """Hide the whole token and, separately, its secret part (after the colon)."""
    secret = token.partition(":")[2]
    text = text.replace(token, REDACTED)
    return text.replace(secret, REDACTED) if secret else text


def redacted_token(token: str) -> str:
    """What may be shown of a token to identify it: the bot id only."""
    bot_id, _, secret = token.partition(":")
    return f"{bot_id}:***" if secret else "***"


class TokenRedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback with the token hidden."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.token)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.token)
        return True


def configure_logging(token: str, level: int = logging.INFO) -> None:
    """Console logging for the running bot, with the token redacted from every line."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_library_logs()
    for handler in logging.getLogger().handlers:
        handler.addFilter(TokenRedactingFilter(token))
