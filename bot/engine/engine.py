"""The answer engine: from a person's message to a finished ``Reply``.

Usage::

    engine = Engine.load(Path("knowledge"))
    reply = engine.answer("how often should I rub my feet?")
    print(reply.text)

Order of decisions for free text: urgent symptoms (the triage rules, then the classifier's
red-flag head), small talk, off-topic subjects, contraindication questions (answered from the
safety entries only), then the classifier's entry when it is sure enough (``reading``), or a
fallback with "did you mean" suggestions. A follow-up is read against
the previous answer when the channel passes a ``Context``. Nothing here knows about Telegram.
"""

from pathlib import Path

from bot.engine.classifier import SOCIAL_CLASS, Classifier
from bot.engine.context import Context
from bot.engine.knowledge import Entry, Knowledge
from bot.engine.language import GOODBYE, HELP, THANKS, Analysis, analyzer_for
from bot.engine.matcher import Match, Matcher
from bot.engine.reading import Reader, Reading
from bot.engine.reply import Kind, Reply, Suggestion, finish_reply
from bot.engine.triage import RedFlag, Triage

# Below this score a match is not trusted and the fallback is sent instead.
CONFIDENCE_THRESHOLD = 0.4
# The classifier's entry is trusted from this probability when the matcher finds it too.
AGREED = 0.2
# A match this close is a question of the knowledge asked almost word for word.
VERBATIM = 0.9
# Matches at least this close are offered as "did you mean" suggestions under a fallback.
SUGGESTION_FLOOR = 0.3
MAX_SUGGESTIONS = 3
MAX_RELATED = 3
# Which fixed text answers small talk, by the first social word found (else the greeting).
_SOCIAL_TEXTS = (("help", HELP), ("goodbye", GOODBYE), ("thanks", THANKS))


class Engine:
    """Answers messages from the knowledge; one instance serves every channel."""

    def __init__(self, knowledge: Knowledge, classifier: Classifier | None = None) -> None:
        """``classifier`` defaults to the bundled one (``classifier.npz``)."""
        self.knowledge = knowledge
        self.version = knowledge.version
        self._entries = {entry.id: entry for entry in knowledge.entries}
        self._analyzer = analyzer_for(knowledge)
        self._matcher = Matcher(knowledge.entries, self._analyzer)
        self._reader = Reader(self._analyzer, classifier or Classifier.load())
        self._triage = Triage(knowledge.triage)
        self._safety_ids = frozenset(e.id for e in knowledge.entries if e.kind is Kind.SAFETY)
        self._tips = [e for e in knowledge.entries if e.tip]

    @classmethod
    def load(cls, knowledge_dir: Path) -> "Engine":
        """Load and validate the knowledge; raises ``KnowledgeError`` with a one-line reason."""
        return cls(Knowledge.load(knowledge_dir))

    # -- free text ----------------------------------------------------------------------------

    def answer(self, message: str, context: Context | None = None) -> Reply:
        """The reply to a message; ``context`` lets a short follow-up refer to the last answer."""
        analysis = self._analyzer.analyse(message)
        if not analysis.normalized:
            return self._fallback(())
        triage = self._triage.assess(message)
        if triage.red_flag is not None:
            return self._urgent(triage.red_flag)
        reading = self._reader.read(message, self._previous_topic(context))
        if reading.red_flag and not triage.denies:
            learnt_flag = self._triage.flag(reading.red_flag)
            if learnt_flag is not None:
                return self._urgent(learnt_flag)
        if analysis.only_social or (
            reading.prediction.label == SOCIAL_CLASS
            and (analysis.social or not (analysis.tokens or analysis.unknown))
        ):
            return self._social(analysis)
        if reading.off_domain or (analysis.off_topic and not analysis.mentions_feet):
            return self._fallback(())
        if self._triage.mentions_contraindication(analysis.normalized) and (
            analysis.mentions_domain or self._reader.confident(reading)
        ):
            return self._safety_answer(analysis, reading)
        prediction = reading.prediction
        if self._reader.confident(reading) and prediction.label in self._entries:
            return self._entry_reply(self._entries[prediction.label], prediction.probability)
        matches = self._matcher.rank(reading.analysis, limit=MAX_SUGGESTIONS * 3)
        chosen = self._choose(reading, matches)
        if chosen is not None:
            return self._entry_reply(*chosen)
        return self._fallback(matches)

    def _choose(self, reading: Reading, matches: list[Match]) -> tuple[Entry, float] | None:
        """When the classifier is not sure: its entry if the matcher finds it too and the passage
        names feet or massage; the matcher's alone for a question written almost word for word
        in the knowledge, or for an entry added since the classifier was trained."""
        prediction = reading.prediction
        top = matches[0] if matches else None
        matched = next((m.score for m in matches if m.entry.id == prediction.label), 0.0)
        if (
            prediction.label in self._entries
            and reading.analysis.mentions_domain
            and prediction.probability >= AGREED
            and matched >= CONFIDENCE_THRESHOLD
        ):
            return self._entries[prediction.label], prediction.probability
        if top and (
            top.score >= VERBATIM
            or (
                top.score >= CONFIDENCE_THRESHOLD
                and top.entry.id not in self._reader.known_entries
            )
        ):
            return top.entry, top.score
        return None

    def _previous_topic(self, context: Context | None) -> tuple[str, str] | None:
        entry_id = context.recent_entry() if context else None
        if entry_id is None or entry_id not in self._entries:
            return None
        return entry_id, self._entries[entry_id].title

    def search(self, message: str, limit: int = 10) -> list[Reply]:
        """The best answers for a partial query (inline mode): no fallback, no triage text."""
        analysis = self._analyzer.analyse(message)
        if not analysis.tokens:
            return [self.reply_for(entry.id) for entry in self.techniques()[:limit]]
        matches = self._matcher.rank(analysis, limit=limit)
        return [
            self._entry_reply(m.entry, m.score) for m in matches if m.score >= SUGGESTION_FLOOR
        ]

    # -- known entries ------------------------------------------------------------------------

    def entry(self, entry_id: str) -> Entry:
        return self._entries[entry_id]

    def reply_for(self, entry_id: str) -> Reply:
        return self._entry_reply(self._entries[entry_id], 1.0)

    def safety_overview(self) -> Reply:
        """When not to massage: the overview entry ``triage.yaml`` names (``footbot check``
        guarantees it exists)."""
        overview = self._triage.safety_overview
        assert overview is not None
        return self.reply_for(overview)

    def techniques(self) -> list[Entry]:
        return [e for e in self.knowledge.entries if e.kind is Kind.TECHNIQUE]

    def routine(self) -> Entry:
        return next(e for e in self.knowledge.entries if e.kind is Kind.ROUTINE)

    def benefits(self) -> list[Entry]:
        return [e for e in self.knowledge.entries if e.id.startswith("benefit-")]

    def step_page(self, entry_id: str, index: int) -> Reply:
        """One step of a technique or the routine, as a page of a step-by-step walkthrough."""
        entry = self._entries[entry_id]
        if not 0 <= index < len(entry.steps):
            raise IndexError(f"{entry_id} has {len(entry.steps)} steps, not {index + 1}")
        total = len(entry.steps)
        header = self.text("step_header", title=entry.title, number=index + 1, total=total)
        parts = [header, entry.steps[index]]
        if index == total - 1:
            parts.extend(self._technique_footer(entry))
        return self._finish(entry.kind, "\n\n".join(parts), health=entry.health, entry=entry)

    def tip(self, n: int) -> Reply:
        """The nightly tip for day ``n``: consecutive days get different tips."""
        if not self._tips:
            return self._finish(Kind.FAQ, self.text("greeting"), health=False)
        entry = self._tips[n % len(self._tips)]
        return self._finish(Kind.FAQ, entry.tip or "", health=entry.health, entry=entry)

    def text(self, key: str, **values: object) -> str:
        """A fixed text from knowledge/texts; values fill its ``{placeholders}``."""
        template = self.knowledge.texts[key]
        return template.format(**values) if values else template

    # -- building replies ---------------------------------------------------------------------

    def _finish(
        self,
        kind: Kind,
        body: str,
        *,
        health: bool,
        entry: Entry | None = None,
        confidence: float = 1.0,
        suggestions: tuple[Suggestion, ...] = (),
        related: tuple[Suggestion, ...] = (),
    ) -> Reply:
        return finish_reply(
            kind,
            body,
            health=health,
            disclaimer_text=self.text("disclaimer"),
            entry_id=entry.id if entry else None,
            confidence=confidence,
            suggestions=suggestions,
            related=related,
        )

    def _entry_reply(self, entry: Entry, confidence: float) -> Reply:
        related = tuple(
            Suggestion(rid, self._entries[rid].title)
            for rid in entry.related[:MAX_RELATED]
            if rid in self._entries
        )
        return self._finish(
            entry.kind,
            self._body(entry),
            health=entry.health,
            entry=entry,
            confidence=confidence,
            related=related,
        )

    def _body(self, entry: Entry) -> str:
        if not entry.steps:
            return entry.answer or ""
        lines = [entry.title]
        if entry.summary or entry.answer:
            lines.append(entry.summary or entry.answer or "")
        steps = "\n".join(f"{number}. {step}" for number, step in enumerate(entry.steps, 1))
        return "\n\n".join([*lines, steps, *self._technique_footer(entry)])

    def _technique_footer(self, entry: Entry) -> list[str]:
        footer = []
        if entry.time:
            footer.append(self.text("technique_time", time=entry.time))
        if entry.caution:
            footer.append(self.text("technique_caution", caution=entry.caution))
        return footer

    def _urgent(self, flag: RedFlag) -> Reply:
        """The flag's own reply with the action of its level, under the emergency disclaimer.

        A flag added to triage.yaml before its reply is written still gets the general one."""
        reply_id = f"urgent-{flag.id}"
        key = reply_id if reply_id in self.knowledge.texts else "urgent"
        body = self.text(key, action=self.text(f"urgent_action_{flag.level}"))
        return finish_reply(
            Kind.URGENT,
            body,
            health=True,
            disclaimer_text=self.text("urgent_disclaimer"),
            entry_id=reply_id,
        )

    def _social(self, analysis: Analysis) -> Reply:
        key = next((key for key, token in _SOCIAL_TEXTS if token in analysis.social), "greeting")
        return self._finish(Kind.GREETING, self.text(key), health=False)

    def _safety_answer(self, analysis: Analysis, reading: Reading) -> Reply:
        predicted = reading.prediction.label
        if predicted in self._safety_ids and self._reader.confident(reading):
            return self._entry_reply(self._entries[predicted], reading.prediction.probability)
        matches = self._matcher.rank(analysis, allowed=self._safety_ids, limit=1)
        if matches and matches[0].score >= SUGGESTION_FLOOR:
            return self._entry_reply(matches[0].entry, max(matches[0].score, 0.5))
        overview = self._triage.safety_overview
        if overview in self._entries:
            return self._entry_reply(self._entries[overview], 0.5)
        return self._entry_reply(matches[0].entry, 0.5) if matches else self._fallback(())

    def _fallback(self, matches: list[Match] | tuple[()]) -> Reply:
        close = sorted(matches, key=lambda m: -m.closeness)
        suggestions = tuple(
            Suggestion(m.entry.id, m.entry.title)
            for m in close[:MAX_SUGGESTIONS]
            if m.closeness >= SUGGESTION_FLOOR
        )
        body = self.text("fallback")
        if suggestions:
            lines = "\n".join(f"• {s.label}" for s in suggestions)
            body = f"{body}\n\n{self.text('suggestions_intro')}\n{lines}"
        confidence = matches[0].score if matches else 0.0
        return self._finish(
            Kind.FALLBACK, body, health=False, confidence=confidence, suggestions=suggestions
        )
