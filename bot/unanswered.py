"""Which messages are kept for the operator's review, and which never are.

The review (``footbot review``) exists to find what people ask that the knowledge does not
answer, so a message is kept when the bot fell back, answered without confidence, or was told by
a 👎 that it missed. Never kept as text: a message the triage marked urgent (a health emergency
is nobody's training data) and one that looks like it holds contact details (an e-mail address
or a phone number), whatever else it says.
"""

import re

from bot.engine import Kind, Reply

FALLBACK = "fallback"
UNSURE = "unsure"
FOLLOW_UP = "follow-up"
# An answer below this confidence is kept for review even though it was sent.
UNSURE_BELOW = 0.5
ANSWER_KINDS = frozenset({Kind.FAQ, Kind.TECHNIQUE, Kind.ROUTINE, Kind.SAFETY})

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Seven or more digits, allowing the spaces, dots, dashes and brackets people put in numbers.
_PHONE = re.compile(r"\+?\d(?:[\s().-]*\d){6,}")


def reason_to_keep(reply: Reply) -> str | None:
    """Why this reply's message deserves review, or None."""
    if reply.kind is Kind.FALLBACK:
        return FALLBACK
    if reply.kind in ANSWER_KINDS and reply.confidence < UNSURE_BELOW:
        return UNSURE
    return None


def keepable(text: str, reply: Reply) -> bool:
    """False for urgent messages and for anything that looks like contact details."""
    if reply.kind is Kind.URGENT:
        return False
    return not (_EMAIL.search(text) or _PHONE.search(text))
