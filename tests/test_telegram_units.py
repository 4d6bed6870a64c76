"""The Telegram front end's small pieces: formatting, callback data, tokens and log redaction."""

import logging
import sys

import pytest

from benchmarks.telegram import run_benchmark
from bot.engine import Engine
from bot.telegram.app import TokenError, api_base_urls, checked_token
from bot.telegram.formatting import escape, html_messages, split_text, utf16_length
from bot.telegram.logs import TokenRedactingFilter, redact, redacted_token

TOKEN = "123456789:AAHfakeTokenForTests_only-0123456789ab"


# ----------------------------------------------------------------------------- formatting
def test_escaping_neutralises_html_and_leaves_markdown_characters_alone() -> None:
    assert escape("a < b & c > d *bold* _it_") == "a &lt; b &amp; c &gt; d *bold* _it_"


def test_short_text_is_one_piece() -> None:
    assert split_text("Hello.\n\nBye.") == ["Hello.\n\nBye."]


def test_long_text_is_split_at_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 150 for n in range(12)]
    pieces = split_text("\n\n".join(p.strip() for p in paragraphs), limit=2000)

    assert len(pieces) > 1
    assert all(utf16_length(piece) <= 2000 for piece in pieces)
    assert all(piece.startswith("Paragraph") for piece in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(" ".join(paragraphs).split())


def test_a_paragraph_longer_than_the_limit_is_split_between_words() -> None:
    pieces = split_text("word " * 2000, limit=4096)
    assert all(utf16_length(piece) <= 4096 for piece in pieces)
    assert all(not piece.startswith(" ") and "word" in piece for piece in pieces)


def test_text_without_spaces_is_cut_hard_and_emoji_count_as_two_units() -> None:
    pieces = split_text("🦶" * 3000)
    assert [utf16_length(piece) for piece in pieces] == [4096, 1904]


def test_html_messages_are_split_before_escaping() -> None:
    pieces = html_messages("<" * 5000)
    assert [len(piece) for piece in pieces] == [4096 * 4, 904 * 4]


# ----------------------------------------------------------------------------- tokens
def test_a_missing_token_is_a_clear_error() -> None:
    with pytest.raises(TokenError, match="TELEGRAM_BOT_TOKEN is not set"):
        checked_token(None)


@pytest.mark.parametrize("token", ["abc", "123456", "123456:short", "12:" + "A" * 35, TOKEN + " "])
def test_a_malformed_token_is_refused_without_quoting_it(token: str) -> None:
    with pytest.raises(TokenError) as raised:
        checked_token(token)
    assert token.strip() not in str(raised.value)


def test_a_well_formed_token_is_accepted() -> None:
    assert checked_token(TOKEN) == TOKEN


def test_api_url_gets_the_token_placeholder_ptb_expects() -> None:
    assert api_base_urls("http://127.0.0.1:8081/") == (
        "http://127.0.0.1:8081/bot{token}",
        "http://127.0.0.1:8081/file/bot{token}",
    )
    assert api_base_urls("http://h/bot{token}") == (
        "http://h/bot{token}",
        "http://h/file/bot{token}",
    )


@pytest.mark.parametrize("form", ["http://h:8081/bot", "http://h:8081/bot/"])
def test_the_api_url_may_be_given_in_python_telegram_bots_own_base_url_form(form: str) -> None:
    assert api_base_urls(form) == ("http://h:8081/bot{token}", "http://h:8081/file/bot{token}")


# ----------------------------------------------------------------------------- redaction
def test_redaction_hides_the_token_and_its_secret_part() -> None:
    secret = TOKEN.split(":")[1]
    text = redact(f"GET https://api.telegram.org/bot{TOKEN}/getMe and {secret}", TOKEN)
    assert TOKEN not in text
    assert secret not in text
    assert redacted_token(TOKEN) == "123456789:***"


def test_the_log_filter_redacts_messages_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (TOKEN,), None)
    try:
        raise RuntimeError(f"failed for {TOKEN}")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    TokenRedactingFilter(TOKEN).filter(record)
    formatted = logging.Formatter().format(record)
    assert TOKEN.split(":")[1] not in formatted
    assert "<bot-token>" in formatted


# ----------------------------------------------------------------------------- benchmark
def test_the_benchmark_reports_rate_and_memory_with_no_failed_calls(engine: Engine) -> None:
    lines = run_benchmark(engine, people=2, rounds=1)
    assert lines[0].startswith("updates handled per second")
    assert "failed: 0" in lines[2]
    assert "resident memory" in lines[3]
