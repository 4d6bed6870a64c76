"""``footbot bench``: how fast the engine answers, reported as medians and percentiles.

Speed targets live here rather than in tests: a shared machine makes timed tests flaky.
"""

import dataclasses
import statistics
import time
from collections.abc import Sequence

from bot.engine import Engine, Entry, Knowledge
from bot.engine.languages import Language

LONG_MESSAGE_CHARS = 5_000


def _latencies_ms(engine: Engine, messages: Sequence[str], rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for message in messages:
            start = time.perf_counter_ns()
            engine.answer(message)
            timings.append((time.perf_counter_ns() - start) / 1e6)
    return timings


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def long_messages(engine: Engine) -> list[str]:
    """5,000-character rants built from the knowledge's own questions plus noise."""
    questions = [q for e in engine.knowledge.entries for q in e.questions]
    messages = []
    for offset in range(20):
        words = " ".join(questions[offset:] + questions[:offset])
        filler = f"{words} 🦶😩 " * (LONG_MESSAGE_CHARS // max(1, len(words)) + 1)
        messages.append(filler[:LONG_MESSAGE_CHARS])
    return messages


def scaled(knowledge: Knowledge, factor: int) -> Knowledge:
    """The knowledge with every entry copied ``factor - 1`` more times under new ids, to show
    how the cost grows with the size of the knowledge."""

    def copied(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
        copies = [
            dataclasses.replace(entry, id=f"{entry.id}-copy{n}", related=())
            for n in range(1, factor)
            for entry in entries
        ]
        return (*entries, *copies)

    translations = {lang: copied(entries) for lang, entries in knowledge.translations.items()}
    return dataclasses.replace(
        knowledge, entries=copied(knowledge.entries), translations=translations
    )


def run_benchmark(engine: Engine, rounds: int = 5, scale: int = 1) -> list[str]:
    """Time every known question (short, and split by language) and 5,000-character messages;
    return report lines."""
    if scale > 1:
        engine = Engine(scaled(engine.knowledge, scale))
    short = [
        q
        for e in engine.knowledge.entries[: len(engine.knowledge.entries) // scale]
        for q in e.questions
    ]
    short += ["wat oil shoud i uze", "xyz", "🦶🦶🦶", "Will it rain this weekend?"]
    _latencies_ms(engine, short, 1)  # warm caches before measuring
    short_ms = _latencies_ms(engine, short, rounds)
    long_ms = _latencies_ms(engine, long_messages(engine), rounds)
    total_seconds = sum(short_ms) / 1000
    french = [q for q in short if engine.language_of(q) is Language.FR]
    english = [q for q in short if engine.language_of(q) is Language.EN]
    french_p50 = statistics.median(_latencies_ms(engine, french, rounds))
    english_p50 = statistics.median(_latencies_ms(engine, english, rounds))
    return [
        f"knowledge: {len(engine.knowledge.entries)} entries (scale {scale})",
        f"short messages: {len(short_ms)} answers, p50 {statistics.median(short_ms):.3f} ms, "
        f"p99 {_percentile(short_ms, 0.99):.3f} ms, "
        f"{len(short_ms) / total_seconds:,.0f} per second",
        f"  in English: {len(english)} questions, p50 {english_p50:.3f} ms; in French: "
        f"{len(french)}, p50 {french_p50:.3f} ms (French/English {french_p50 / english_p50:.2f})",
        f"{LONG_MESSAGE_CHARS:,}-character messages: {len(long_ms)} answers, "
        f"p50 {statistics.median(long_ms):.3f} ms, p99 {_percentile(long_ms, 0.99):.3f} ms",
        f"targets: p50 <= 1 ms (1.5 ms at scale 10), p99 <= 3 ms, long <= 10 ms; "
        f"long/short median ratio {statistics.median(long_ms) / statistics.median(short_ms):.1f}x",
    ]
