"""The bot as its own process (``python -m bot run``), pointed at a fake Bot API."""

import asyncio
import os
import sys
from pathlib import Path

from tests.support.fake_bot_api import FakeBotApi
from tests.support.stores import Stores

REPO = Path(__file__).resolve().parent.parent.parent


async def start_bot_process(
    api: FakeBotApi,
    data_dir: Path,
    token: str,
    *,
    stores: Stores | None = None,
    **environment: str,
) -> asyncio.subprocess.Process:
    """Start the bot with its output piped; the caller stops it (and waits for it). With
    ``stores`` it runs on the test's store for ``data_dir``, else on the SQLite file there."""
    store = stores.environment(data_dir) if stores else {"FOOTBOT_DATA": str(data_dir)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=REPO,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_API_URL": f"http://127.0.0.1:{api.port}",
            **store,
            "WEBHOOK_URL": "",
            **environment,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()
