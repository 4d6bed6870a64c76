"""The Telegram front end (python-telegram-bot 22): thin handlers around the answer engine.

PTB 22 deprecates integer durations (e.g. ``RetryAfter.retry_after``) and warns each time one is
read; the bot opts in to the coming ``timedelta`` values so a 429 is handled without a warning.
"""

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")
