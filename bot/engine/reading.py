"""Find what a message asks, wherever it is in the message.

People bury their question in a story ("...a friend told me about a trick with a tennis ball.
what's that move again?"). A long message is cut into sentences; each sentence, and each short
sentence together with the one before it (a short question often leans on it), is classified,
and the passage the classifier is surest names an entry wins, among the passages that end with a
question mark when there are any. A short message is read whole. The
cost is bounded: at most ``MAX_PASSAGES`` passages of at most ``MAX_ANALYSED_CHARS`` each, and
in a message longer than ``READ_BUDGET`` characters, only as many passages as fit in that budget,
the likeliest to hold the question first: those that ask (end with "?"), latest first, then the
last sentence and the first, then the rest from the end. The triage rules still read all of it.

A short follow-up that names no topic ("and how often?") is read again with the title of the
previous answer appended (see ``context``).

A short message is read for a red flag as a whole, since its sentences explain each other ("how
much pressure on my calf? it's a bit tender after running"); in a longer one every passage is
read for a red flag, and the surest one counts: a symptom is urgent wherever in the story it is
told.
"""

import re
from dataclasses import dataclass, replace
from itertools import pairwise

from bot.engine.classifier import NONE_CLASS, Classifier, Prediction
from bot.engine.language import Analysis, Analyzer
from bot.engine.text import MAX_ANALYSED_CHARS, MAX_TRIAGE_CHARS, normalize

# Sentence ends: . ! ? … ; and line breaks (emoji and commas are not ends).
_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\s*\n+\s*")
MAX_PASSAGES = 40
READ_BUDGET = 1_000
NO_FLAG = Prediction(NONE_CLASS, 1.0)
# A message up to this long is also read as a whole, beside its sentences.
WHOLE_MESSAGE_CHARS = 300
# A sentence up to this long is also read together with the sentence before it.
SHORT_SENTENCE_CHARS = 80
# Only messages up to this long can be follow-ups: a longer one says what it is about.
FOLLOW_UP_CHARS = 120
# A follow-up read with the previous topic is trusted from this probability, below the usual
# threshold: the conversation, not a guess, supplies its topic.
FOLLOW_UP_FLOOR = 0.4


@dataclass(frozen=True)
class Reading:
    """The passage of a message that was understood, and what it was understood as."""

    analysis: Analysis
    prediction: Prediction
    # True when no passage names feet or massage and some use real words the knowledge never
    # uses: the message is about something else, unless the classifier is sure of an entry.
    off_domain: bool = False
    # True when the passage was read with the previous answer's topic (a follow-up).
    follow_up: bool = False
    # The red flag the classifier's red-flag head is sure enough of, in any passage.
    red_flag: str | None = None
    # Every red flag the head saw in the passages judged for red flags, however unsure: what
    # ``tools/train_classifier.py`` picks the head's threshold from.
    flags_seen: tuple[Prediction, ...] = ()
    # What the red-flag head made of this passage.
    flag_prediction: Prediction = NO_FLAG


def _off_domain(analyses: list[Analysis]) -> bool:
    """No passage names feet or massage, and real words the knowledge never uses are at least
    as many as the topic words it knows ("how do I roll sushi", not "name the 8 techniques")."""
    if any(a.mentions_domain for a in analyses):
        return False
    foreign = {word for a in analyses for word in a.foreign}
    return bool(foreign) and len(foreign) >= len({t for a in analyses for t in a.topics})


def asks(passage: str) -> bool:
    """True when the passage ends with a question mark: where a story's question is."""
    return passage.rstrip().endswith("?")


def passages(message: str) -> list[str]:
    """The sentences of a message, short ones with the sentence before, and the whole if short."""
    text = message[:MAX_TRIAGE_CHARS]
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    if len(sentences) <= 1:
        return [text[:MAX_ANALYSED_CHARS]] if len(text) > READ_BUDGET else [text]
    if len(text) > READ_BUDGET:
        return _within_budget(sentences)
    pairs = [f"{a} {b}" for a, b in pairwise(sentences) if len(b) <= SHORT_SENTENCE_CHARS]
    chosen = [*sentences, *pairs]
    if len(text) <= WHOLE_MESSAGE_CHARS:
        chosen.append(text)
    return chosen[:MAX_PASSAGES]


def _within_budget(sentences: list[str]) -> list[str]:
    """The passages of a long message most likely to hold its question, within the budget."""
    last = len(sentences) - 1
    asking = [i for i in range(last, -1, -1) if asks(sentences[i])]
    order = [*asking, last, 0, *range(last - 1, 0, -1)]
    chosen: list[str] = []
    spent = 0
    for index in dict.fromkeys(order):
        sentence = sentences[index][:MAX_ANALYSED_CHARS]
        if spent + len(sentence) > READ_BUDGET and chosen:
            break
        chosen.append(sentence)
        spent += len(sentence)
        if index > 0 and len(sentence) <= SHORT_SENTENCE_CHARS:
            chosen.append(f"{sentences[index - 1][-MAX_ANALYSED_CHARS:]} {sentence}")
            spent += len(chosen[-1])
    return chosen


class Reader:
    """Reads a message with the analyser and the classifier."""

    def __init__(self, analyzer: Analyzer, classifier: Classifier) -> None:
        self._analyzer = analyzer
        self._classifier = classifier
        self.known_entries = frozenset(c for c in classifier.classes if c[0] != "_")

    def confident(self, reading: Reading) -> bool:
        """True when the reading names an entry surely enough to answer with it."""
        prediction = reading.prediction
        floor = FOLLOW_UP_FLOOR if reading.follow_up else self._classifier.threshold
        return prediction.is_entry and prediction.probability >= floor

    def read_passage(self, text: str) -> Reading:
        analysis = self._analyzer.analyse_normalized(normalize(text, MAX_ANALYSED_CHARS))
        prediction, flag = self._classifier.predict(
            analysis.normalized, (*analysis.tokens, *analysis.unknown)
        )
        return Reading(analysis, prediction, flag_prediction=flag)

    def read(self, message: str, previous: tuple[str, str] | None = None) -> Reading:
        """The passage most surely about an entry, else the whole message's reading; a short
        message that names no topic is read again as a follow-up of ``previous``, the id and
        title of the last entry answered."""
        texts = passages(message)
        readings = [self.read_passage(text) for text in texts]
        about_entries = [r for r in readings if r.prediction.is_entry]
        # The question of a story is where its question mark is, when it has one.
        asking = [
            r
            for r, text in zip(readings, texts, strict=True)
            if r.prediction.is_entry and asks(text)
        ]
        pool = asking or about_entries
        reading = max(pool, key=lambda r: r.prediction.probability) if pool else readings[-1]
        judged = readings[-1:] if len(message) <= WHOLE_MESSAGE_CHARS else readings
        seen = tuple(r.flag_prediction for r in judged if r.flag_prediction.label != NONE_CLASS)
        surest = max(seen, key=lambda f: f.probability, default=None)
        reading = replace(
            reading,
            off_domain=_off_domain([r.analysis for r in readings]),
            red_flag=(
                surest.label
                if surest and surest.probability >= self._classifier.red_flag_threshold
                else None
            ),
            flags_seen=seen,
        )
        if previous and len(message) <= FOLLOW_UP_CHARS and reading.analysis.names_no_topic:
            again = self.read_passage(f"{message} {previous[1]}")
            # A follow-up asks something new: the previous entry again means "not understood".
            again = replace(again, follow_up=True, red_flag=reading.red_flag)
            if self.confident(again) and again.prediction.label != previous[0]:
                return again
        return reading
