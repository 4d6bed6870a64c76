"""A local chat in the terminal with the same engine the Telegram bot uses (no token, no network).

Type a question; type the number of a suggestion to open it; ``/quit`` or Ctrl-D leaves.
"""

import os
from collections.abc import Callable, Iterable

from bot.engine import Context, Engine, Reply, Suggestion
from bot.engine.languages import language_of_code

QUIT_COMMANDS = frozenset({"/quit", "/exit", "quit", "exit"})


def _show(reply: Reply, write: Callable[[str], None]) -> tuple[Suggestion, ...]:
    write(reply.text)
    options = reply.suggestions or reply.related
    if options:
        write("")
        for number, option in enumerate(options, 1):
            write(f"  [{number}] {option.label}")
    write("")
    return options


def chat(engine: Engine, lines: Iterable[str], write: Callable[[str], None]) -> None:
    """Answer each line; numbers pick one of the last reply's buttons, as a tap would.

    The chat's language starts as the terminal's (``LANG``, like Telegram's app language) and then
    follows the replies, so "merci" after a French answer is French.
    """
    language = language_of_code(os.environ.get("LANG"))
    shown = engine.answer("hello", Context(language=language))
    options = _show(shown, write)
    for line in lines:
        message = line.strip()
        if message.lower() in QUIT_COMMANDS:
            break
        if not message:
            continue
        if message.isdigit() and 1 <= int(message) <= len(options):
            shown = engine.reply_for(options[int(message) - 1].entry_id, shown.language)
        else:
            shown = engine.answer(message.lstrip("/"), Context(language=language))
        language = shown.language
        options = _show(shown, write)


def prompt_lines(prompt: str = "you> ") -> Iterable[str]:
    """Read lines from the terminal until end of input."""
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return
