"""``footbot review``: what people asked that the bot could not answer, which answers they
disliked, and how often it fell back, so whoever edits ``knowledge/`` knows what to write next.

Pure over the rows the store returns (``bot.storage``): grouping, the report, and its text, JSON
and YAML forms; the command line does the reading.
"""
