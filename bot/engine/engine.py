"""The answer engine: from a person's message to a finished ``Reply``.

Usage::

    engine = Engine.load(Path("knowledge"))
    reply = engine.answer("how often should I rub my feet?")
    print(reply.text)

Order of decisions for free text: urgent symptoms (the triage rules, then the classifier's
red-flag head), small talk, off-topic subjects, contraindication questions (answered from the
safety entries only, unless the classifier is sure the message asks for another entry: "not
pregnant, before anyone asks" is a story's aside), then the classifier's entry when it is sure
enough (``reading``), or a fallback with "did you mean" suggestions. A follow-up is read against
the previous answer when the channel passes a ``Context``. Nothing here knows about Telegram.

Every reply is in one language (``Reply.language``): the message's own when its words say so
(bot/engine/languages.py), else the chat's from the ``Context``, else English. Matching does not
depend on it: the classifier and the matcher read both languages at once.
"""

from pathlib import Path

from bot.engine.classifier import SOCIAL_CLASS, Classifier
from bot.engine.context import Context
from bot.engine.knowledge import Entry, Knowledge
from bot.engine.language import GOODBYE, HELP, THANKS, Analysis, analyzer_for
from bot.engine.languages import DEFAULT_LANGUAGE, Language, LanguageDetector
from bot.engine.matcher import Match, Matcher
from bot.engine.reading import WHOLE_MESSAGE_CHARS, Reader, Reading
from bot.engine.reply import Kind, Reply, Suggestion, finish_reply
from bot.engine.text import normalize
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
# The domain gate (a message about another subject) stops a guess, not a classifier sure of an
# entry: it was trained on out-of-scope messages that share the domain's words, and sure of one it
# has seen the request before ("which oil is best, coconut or olive", "should I kneel or sit to
# press"). Picked on out-of-fold answers to the tune split: from 0.9, two folds answered 123 more
# of 7,046 questions right for 8 more of 2,115 out-of-scope messages answered. A message that
# names another body part and not the feet still falls back however sure the classifier is: the
# bot massages feet only ("my knee hurts, what should I do?").
OVERRULES_DOMAIN_GATE = 0.9
# Small talk without a greeting word ("are you a real person?") is trusted from this
# probability, when the message is not about another subject (the domain gate: "will it rain
# this weekend?"): high, because a request for another job ("can you help with my homework")
# reads much like it.
SURE_SMALL_TALK = 0.85
# Which fixed text answers small talk, by the first social word found (else the greeting).
_SOCIAL_TEXTS = (("help", HELP), ("goodbye", GOODBYE), ("thanks", THANKS))


class Engine:
    """Answers messages from the knowledge; one instance serves every channel."""

    def __init__(self, knowledge: Knowledge, classifier: Classifier | None = None) -> None:
        """``classifier`` defaults to the bundled one (``classifier.npz``)."""
        self.knowledge = knowledge
        self.version = knowledge.version
        self._localized = {
            language: {entry.id: entry for entry in knowledge.entries_in(language)}
            for language in Language
        }
        # The English entries, which hold every language's questions: what matching reads.
        self._entries = self._localized[DEFAULT_LANGUAGE]
        self._detector = LanguageDetector(knowledge.language.get("language_markers") or {})
        self._analyzer = analyzer_for(knowledge)
        self._matcher = Matcher(knowledge.entries, self._analyzer)
        self._reader = Reader(self._analyzer, classifier or Classifier.load())
        self._triage = Triage(knowledge.triage)
        self._safety_ids = frozenset(e.id for e in knowledge.entries if e.kind is Kind.SAFETY)
        self._tips = [e for e in knowledge.entries if e.tip]
        self._reminder_words = frozenset(
            normalize(word) for word in knowledge.language.get("reminder_words") or []
        )
        self._question_words = frozenset(
            normalize(word) for word in knowledge.language.get("question_words") or []
        )

    @classmethod
    def load(cls, knowledge_dir: Path) -> "Engine":
        """Load and validate the knowledge; raises ``KnowledgeError`` with a one-line reason."""
        return cls(Knowledge.load(knowledge_dir))

    # -- free text ----------------------------------------------------------------------------

    def answer(
        self, message: str, context: Context | None = None, language: Language | None = None
    ) -> Reply:
        """The reply to a message; ``context`` lets a short follow-up refer to the last answer
        and gives the chat's language; ``language`` forces the reply's language."""
        language = language or self.language_of(message, context)
        analysis = self._analyzer.analyse(message)
        if not analysis.normalized:
            return self._fallback((), language)
        triage = self._triage.assess(message)
        if triage.red_flag is not None:
            return self._urgent(triage.red_flag, language)
        reading = self._reader.read(message, self._previous_topic(context))
        if reading.red_flag and triage.lets_head_raise(reading.red_flag):
            learnt_flag = self._triage.flag(reading.red_flag)
            if learnt_flag is not None:
                return self._urgent(learnt_flag, language)
        if analysis.only_social or (
            reading.prediction.label == SOCIAL_CLASS
            and (
                analysis.social
                or not (analysis.tokens or analysis.unknown)
                or (
                    reading.prediction.probability >= SURE_SMALL_TALK
                    and not (analysis.mentions_domain or reading.off_domain)
                )
            )
        ):
            return self._social(analysis, language)
        if len(message) <= WHOLE_MESSAGE_CHARS and self._asks_for_reminder(analysis.normalized):
            return self._fallback((), language, analysis.normalized)
        passage = reading.analysis
        prediction = reading.prediction
        sure_of_entry = prediction.is_entry and prediction.probability >= OVERRULES_DOMAIN_GATE
        if (reading.off_domain and not sure_of_entry) or (
            (analysis.off_topic or passage.off_topic)
            and not (analysis.mentions_feet or passage.mentions_feet)
        ):
            return self._fallback((), language, analysis.normalized)
        sure = self._reader.confident(reading) and prediction.label in self._entries
        if self._triage.mentions_contraindication(analysis.normalized) and (
            prediction.label in self._safety_ids if sure else analysis.mentions_domain
        ):
            return self._safety_answer(analysis, reading, language)
        if sure:
            return self._entry_reply(prediction.label, prediction.probability, language)
        matches = self._matcher.rank(reading.analysis, limit=MAX_SUGGESTIONS * 3)
        chosen = self._choose(reading, matches)
        if chosen is not None:
            return self._entry_reply(chosen[0].id, chosen[1], language)
        return self._fallback(matches, language, analysis.normalized)

    def language_of(self, message: str, context: Context | None = None) -> Language:
        """The language to answer ``message`` in (the rules: bot/engine/languages.py)."""
        detected = self._detector.detect(message)
        if detected is not None and detected.clear:
            return detected.language
        if context is not None and context.language is not None:
            return context.language
        return detected.language if detected is not None else DEFAULT_LANGUAGE

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

    def search(self, message: str, limit: int = 10, context: Context | None = None) -> list[Reply]:
        """The best answers for a partial query (inline mode): no fallback, no triage text."""
        language = self.language_of(message, context)
        analysis = self._analyzer.analyse(message)
        if not analysis.tokens:
            return [self.reply_for(entry.id, language) for entry in self.techniques()[:limit]]
        matches = self._matcher.rank(analysis, limit=limit)
        return [
            self._entry_reply(m.entry.id, m.score, language)
            for m in matches
            if m.score >= SUGGESTION_FLOOR
        ]

    # -- known entries ------------------------------------------------------------------------

    def entry(self, entry_id: str, language: Language = DEFAULT_LANGUAGE) -> Entry:
        return self._localized[language][entry_id]

    def reply_for(self, entry_id: str, language: Language = DEFAULT_LANGUAGE) -> Reply:
        return self._entry_reply(entry_id, 1.0, language)

    def safety_overview(self, language: Language = DEFAULT_LANGUAGE) -> Reply:
        """When not to massage: the overview entry ``triage.yaml`` names (``footbot check``
        guarantees it exists)."""
        overview = self._triage.safety_overview
        assert overview is not None
        return self.reply_for(overview, language)

    def techniques(self, language: Language = DEFAULT_LANGUAGE) -> list[Entry]:
        return [e for e in self.knowledge.entries_in(language) if e.kind is Kind.TECHNIQUE]

    def routine(self, language: Language = DEFAULT_LANGUAGE) -> Entry:
        return next(e for e in self.knowledge.entries_in(language) if e.kind is Kind.ROUTINE)

    def benefits(self, language: Language = DEFAULT_LANGUAGE) -> list[Entry]:
        return [e for e in self.knowledge.entries_in(language) if e.id.startswith("benefit-")]

    def step_page(self, entry_id: str, index: int, language: Language = DEFAULT_LANGUAGE) -> Reply:
        """One step of a technique or the routine, as a page of a step-by-step walkthrough."""
        entry = self._localized[language][entry_id]
        if not 0 <= index < len(entry.steps):
            raise IndexError(f"{entry_id} has {len(entry.steps)} steps, not {index + 1}")
        total = len(entry.steps)
        header = self.text(
            "step_header", language, title=entry.title, number=index + 1, total=total
        )
        parts = [header, entry.steps[index]]
        if index == total - 1:
            parts.extend(self._technique_footer(entry, language))
        body = "\n\n".join(parts)
        return self._finish(entry.kind, body, language, health=entry.health, entry=entry)

    def tip(self, n: int, language: Language = DEFAULT_LANGUAGE) -> Reply:
        """The nightly tip for day ``n``: consecutive days get different tips."""
        if not self._tips:
            return self._finish(Kind.FAQ, self.text("greeting", language), language, health=False)
        entry = self._localized[language][self._tips[n % len(self._tips)].id]
        return self._finish(Kind.FAQ, entry.tip or "", language, health=entry.health, entry=entry)

    def text(self, key: str, language: Language = DEFAULT_LANGUAGE, **values: object) -> str:
        """A fixed text from knowledge/texts in ``language``; values fill its placeholders."""
        template = self.knowledge.texts[language][key]
        return template.format(**values) if values else template

    # -- building replies ---------------------------------------------------------------------

    def _finish(
        self,
        kind: Kind,
        body: str,
        language: Language,
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
            disclaimer_text=self.text("disclaimer", language),
            language=language,
            entry_id=entry.id if entry else None,
            confidence=confidence,
            suggestions=suggestions,
            related=related,
        )

    def _entry_reply(self, entry_id: str, confidence: float, language: Language) -> Reply:
        entries = self._localized[language]
        entry = entries[entry_id]
        related = tuple(
            Suggestion(rid, entries[rid].title)
            for rid in entry.related[:MAX_RELATED]
            if rid in entries
        )
        return self._finish(
            entry.kind,
            self._body(entry, language),
            language,
            health=entry.health,
            entry=entry,
            confidence=confidence,
            related=related,
        )

    def _body(self, entry: Entry, language: Language) -> str:
        if not entry.steps:
            return entry.answer or ""
        lines = [entry.title]
        if entry.summary or entry.answer:
            lines.append(entry.summary or entry.answer or "")
        steps = "\n".join(f"{number}. {step}" for number, step in enumerate(entry.steps, 1))
        return "\n\n".join([*lines, steps, *self._technique_footer(entry, language)])

    def _technique_footer(self, entry: Entry, language: Language) -> list[str]:
        footer = []
        if entry.time:
            footer.append(self.text("technique_time", language, time=entry.time))
        if entry.caution:
            footer.append(self.text("technique_caution", language, caution=entry.caution))
        return footer

    def _urgent(self, flag: RedFlag, language: Language) -> Reply:
        """The flag's own reply with the action of its level, under the emergency disclaimer.

        A flag added to triage.yaml before its reply is written still gets the general one."""
        reply_id = f"urgent-{flag.id}"
        key = reply_id if reply_id in self.knowledge.texts[language] else "urgent"
        body = self.text(key, language, action=self.text(f"urgent_action_{flag.level}", language))
        return finish_reply(
            Kind.URGENT,
            body,
            health=True,
            disclaimer_text=self.text("urgent_disclaimer", language),
            language=language,
            entry_id=reply_id,
        )

    def _social(self, analysis: Analysis, language: Language) -> Reply:
        key = next((key for key, token in _SOCIAL_TEXTS if token in analysis.social), "greeting")
        return self._finish(Kind.GREETING, self.text(key, language), language, health=False)

    def _safety_answer(self, analysis: Analysis, reading: Reading, language: Language) -> Reply:
        predicted = reading.prediction.label
        if predicted in self._safety_ids and self._reader.confident(reading):
            return self._entry_reply(predicted, reading.prediction.probability, language)
        matches = self._matcher.rank(analysis, allowed=self._safety_ids, limit=1)
        if matches and matches[0].score >= SUGGESTION_FLOOR:
            return self._entry_reply(matches[0].entry.id, max(matches[0].score, 0.5), language)
        overview = self._triage.safety_overview
        if overview in self._entries:
            return self._entry_reply(overview, 0.5, language)
        if matches:
            return self._entry_reply(matches[0].entry.id, 0.5, language)
        return self._fallback((), language)

    def _asks_for_reminder(self, normalized: str) -> bool:
        """A reminder word and no question word (``reminder_words`` in knowledge/language.yaml):
        a short message or a fallback that asks the bot to remind, whatever entry it names."""
        words = set(normalized.split())
        return bool(words & self._reminder_words) and not words & self._question_words

    def _fallback(
        self, matches: list[Match] | tuple[()], language: Language, normalized: str = ""
    ) -> Reply:
        """The "could you rephrase?" reply with the closest entries; a message (``normalized``)
        that asked for a reminder hears what /reminder does."""
        asked_reminder = self._asks_for_reminder(normalized)
        entries = self._localized[language]
        close = [] if asked_reminder else sorted(matches, key=lambda m: -m.closeness)
        suggestions = tuple(
            Suggestion(m.entry.id, entries[m.entry.id].title)
            for m in close[:MAX_SUGGESTIONS]
            if m.closeness >= SUGGESTION_FLOOR
        )
        body = self.text("fallback_reminder" if asked_reminder else "fallback", language)
        if suggestions:
            lines = "\n".join(f"• {s.label}" for s in suggestions)
            body = f"{body}\n\n{self.text('suggestions_intro', language)}\n{lines}"
        confidence = matches[0].score if matches else 0.0
        return self._finish(
            Kind.FALLBACK,
            body,
            language,
            health=False,
            confidence=confidence,
            suggestions=suggestions,
        )
