"""Logging that never shows the bot token.

The token is part of every Bot API URL, and httpx logs each request URL at INFO; PTB's
``InvalidToken`` and some network errors can quote it too. Two defences: the HTTP client
loggers are quietened to WARNING (no per-request lines at all), and every handler of the root
logger gets a filter that replaces the token wherever it still appears, tracebacks included.
"""

import logging

HTTP_LOGGERS = ("httpx", "httpcore")
REDACTED = "<bot-token>"


def quiet_http_logs() -> None:
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


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
    quiet_http_logs()
    for handler in logging.getLogger().handlers:
        handler.addFilter(TokenRedactingFilter(token))
