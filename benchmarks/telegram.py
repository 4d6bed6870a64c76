"""``footbot bench-telegram``: updates handled per second, the bot's start-up and its memory.

Updates go through the real ``Application`` (de_json, filters, handlers, engine, Bot methods)
with the offline request of tests.support, which answers as the fake Bot API would, minus sockets
and minus the rate limiter (Telegram's 30 messages/s would otherwise be all we measured). Each
simulated person sends /start, a question, a health question, opens the routine, presses Next,
sends a sticker and makes an inline query: a mix of the bot's common paths. The figure reported
is the median of the rounds. Memory is the resident set size with the bot built and ready (the
engine and the application), and the peak at the end, which also holds the fake's record of
every call and message. Then real ``python -m bot run`` processes poll a fake Bot API on
127.0.0.1: how long each takes from launch to its first poll, and the resident memory of one,
which also holds the HTTP clients and their TLS settings that the offline request leaves out:
the figures the budgets are about.
"""

import asyncio
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.engine import Engine
from bot.storage import SqliteStore
from bot.telegram.actions import Step
from bot.telegram.services import services
from tests.support.bot_process import start_bot_process, stop_bot_process
from tests.support.fake_bot_api import FakeBotApi
from tests.support.offline_request import TOKEN, offline_application

QUESTIONS = (
    "How often should I massage my feet?",
    "Which oil should I use?",
    "Can I massage my feet if I have diabetes?",
    "show me thumb walking",
    "what about the feet thing",
    "Is it safe during pregnancy?",
)
TARGET_UPDATES_PER_SECOND = 500
TARGET_RSS_MB = 80
TARGET_STARTUP_SECONDS = 2
STARTS = 3
# How long the ready bot process is left to settle before its memory is read.
PROCESS_SETTLE_SECONDS = 5


def run_benchmark(engine: Engine, people: int = 150, rounds: int = 5) -> list[str]:
    """Report lines: the median rate over ``rounds`` of ``people`` simulated conversations."""
    return asyncio.run(_benchmark(engine, people, rounds))


async def _benchmark(engine: Engine, people: int, rounds: int) -> list[str]:
    api = FakeBotApi()
    with tempfile.TemporaryDirectory() as data_dir:
        store = SqliteStore(Path(data_dir) / "bench.sqlite")
        application = offline_application(engine, store, api, rate_limited=False)
        rates = []
        ready_rss = current_rss_mb()
        async with application:
            for round_number in range(rounds):
                first_chat = 1_000_000 * (round_number + 1)
                handled, seconds = await _one_round(application, api, engine, first_chat, people)
                rates.append(handled / seconds)
        store.close()
    failures = sum(1 for call in api.calls if not call.ok)
    median = statistics.median(rates)
    return [
        f"updates handled per second (median of {rounds} rounds of {people} people): "
        f"{median:.0f}  (target >= {TARGET_UPDATES_PER_SECOND})",
        f"rounds: {', '.join(f'{rate:.0f}' for rate in rates)}",
        f"Bot API calls: {len(api.calls)}, failed: {failures}",
        f"resident memory of this process with the bot ready: {ready_rss:.1f} MB (it also holds"
        " the fake Bot API and the test helpers; the budget is the real process's, below)",
        f"peak resident memory, including the fake's records: {peak_rss_mb():.1f} MB",
        *await _process_report(),
    ]


async def _process_report() -> list[str]:
    """Start-up (from the process's launch until its first ``getUpdates`` waits for updates:
    the bot is then ready to answer), the median of ``STARTS`` launches, and the last one's
    memory once settled."""
    startups = []
    rss = 0.0
    for start in range(STARTS):
        async with FakeBotApi() as api:
            with tempfile.TemporaryDirectory() as data_dir:
                launched = time.perf_counter()
                process = await start_bot_process(api, Path(data_dir), TOKEN)
                try:
                    await api.wait_until(lambda: api.long_polls > 0, within=30)
                    startups.append(time.perf_counter() - launched)
                    if start == STARTS - 1:
                        await asyncio.sleep(PROCESS_SETTLE_SECONDS)
                        rss = _rss_mb(Path(f"/proc/{process.pid}/status"))
                finally:
                    await stop_bot_process(process)
    return [
        f"start-up of `python -m bot run` until it polls (median of {STARTS}): "
        f"{statistics.median(startups):.2f} s  (target < {TARGET_STARTUP_SECONDS})",
        f"resident memory, `python -m bot run` process ready: {rss:.1f} MB"
        f"  (target <= {TARGET_RSS_MB})",
    ]


async def _one_round(
    application: Application, api: FakeBotApi, engine: Engine, first_chat: int, people: int
) -> tuple[int, float]:
    handled = 0
    next_page = services(application).codec.encode(Step(engine.routine().id, 1))
    started = time.perf_counter()
    for chat_id in range(first_chat, first_chat + people):
        for index, question in enumerate(("/start", *QUESTIONS[:2], QUESTIONS[2], "/routine")):
            api.push_message(chat_id, question if index else "/start")
        handled += await _process(application, api)
        walkthrough = api.bot_messages(chat_id)[-1]["message_id"]
        api.push_callback(chat_id, walkthrough, next_page)
        api.push_sticker(chat_id)
        api.push_inline_query(chat_id, "heel")
        handled += await _process(application, api)
    return handled, time.perf_counter() - started


async def _process(application: Application, api: FakeBotApi) -> int:
    updates: list[dict[str, Any]] = api.take_updates()
    for payload in updates:
        await application.process_update(Update.de_json(payload, application.bot))
    return len(updates)


def current_rss_mb() -> float:
    """Resident set size now, from /proc (Linux)."""
    return _rss_mb(Path("/proc/self/status")) or peak_rss_mb()


def _rss_mb(status: Path) -> float:
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
