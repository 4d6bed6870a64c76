"""Write ``bot/engine/words.txt.gz``: real English and French words, the most frequent first.

The analyser corrects a word towards the knowledge's words only when it is not a real word, so
"sort" is never read as "sore" nor "stock" as "sock". The list is cut from pyspellchecker's
bundled frequency dictionaries (a dev dependency) at build time, because loading them whole at
start-up would take seconds and about 50 MB; the most frequent words of each language are enough
to tell a typo from a word. Run: ``.venv/bin/python -m tools.build_wordlist``.
"""

import gzip
import json
from importlib import resources

from bot.engine.language import WORDS_FILE
from bot.engine.text import normalize

WORDS_PER_LANGUAGE = {"en": 30_000, "fr": 15_000}


def most_frequent(language: str, count: int) -> list[str]:
    path = resources.files("spellchecker") / "resources" / f"{language}.json.gz"
    with path.open("rb") as raw, gzip.open(raw) as file:
        frequencies: dict[str, int] = json.load(file)
    ranked = sorted(frequencies, key=lambda word: (-frequencies[word], word))
    return [folded for word in ranked if (folded := normalize(word)).isalpha()][:count]


def main() -> None:
    lists = [most_frequent(language, count) for language, count in WORDS_PER_LANGUAGE.items()]
    # Interleaved, so a word's line number says how common it is in its own language.
    words = dict.fromkeys(
        ranked[rank]
        for rank in range(max(map(len, lists)))
        for ranked in lists
        if rank < len(ranked)
    )
    text = "\n".join(words) + "\n"
    WORDS_FILE.write_bytes(gzip.compress(text.encode(), mtime=0))
    print(f"{len(words)} words -> {WORDS_FILE}")


if __name__ == "__main__":
    main()
