"""Which symptom mentions describe something happening now, NegEx-style.

People mention symptoms they do not have ("no swelling, not red"), had long ago ("broke it two
years ago, fully healed") or ask about in general ("what are the signs of a clot?"). Such
mentions must not raise an alarm, while "my dad's calf is swollen" must. Cues come from
knowledge/triage.yaml; their reach is deliberately short so a cue seldom silences a symptom
described in another clause:

- a negation silences the mentions that start within a few words after it, up to a word that
  starts a new thought ("I never felt it and it's oozing": the oozing is not negated);
- a past or healed cue silences its whole clause, unless the clause also has a present cue
  ("last year ... and again now"), and the clauses after it that have no present-tense verb
  ("last year I had an infection, it had pus": the pus is last year's too);
- a general-question cue silences the rest of its clause ("signs of a clot in the leg", "if my
  calf gets red");
- a hypothetical cue silences its whole sentence ("what does pus mean, asking in general"), and
  so does a cue of fiction or study ("a novel where the main character wants to die").

Some facts stay true however long ago they happened ("had a stroke five years ago" explains a
weaker side today): past cues do not silence the concepts passed as ``timeless``. Some thoughts
are disclosed as questions ("can you overdose on a foot soak? asking because I want to", "what if
I don't plan on being here"): general and hypothetical cues do not silence the concepts passed
as ``unhedged``.
"""

from collections.abc import Sequence

from bot.engine.lexicon import Mention

NEGATION = "negation"
NEGATION_END = "negation-end"
PAST = "past"
PRESENT = "present"
PRESENT_TENSE = "present-tense"
GENERAL = "general"
HYPOTHETICAL = "hypothetical"
FICTION = "fiction"
IGNORED = "ignore"
CUES = (
    NEGATION,
    NEGATION_END,
    PAST,
    PRESENT,
    PRESENT_TENSE,
    GENERAL,
    HYPOTHETICAL,
    FICTION,
    IGNORED,
)
# How many words after "no", "not", "pas de"... a negation reaches: "doesn't feel hot or look red".
NEGATION_REACH = 5


def asserted(
    sentence: Sequence[Sequence[Mention]],
    timeless: frozenset[str] = frozenset(),
    unhedged: frozenset[str] = frozenset(),
) -> list[Mention]:
    """The mentions of a sentence (given clause by clause) that describe a present, affirmed
    symptom or fact, or an affirmed ``timeless`` one whenever it happened."""
    cues = {m.concept for clause in sentence for m in clause}
    if FICTION in cues:
        return []
    hypothetical = HYPOTHETICAL in cues
    kept: list[Mention] = []
    in_the_past = False
    for clause in sentence:
        concepts = {m.concept for m in clause}
        if PAST in concepts and PRESENT not in concepts:
            in_the_past = True
        elif not in_the_past or concepts & {PRESENT, PRESENT_TENSE}:
            in_the_past = False
        mentions = _asserted_in_clause(clause, unhedged)
        if hypothetical:
            mentions = [m for m in mentions if m.concept in unhedged]
        kept += (m for m in mentions if m.concept in timeless) if in_the_past else mentions
    return kept


def _asserted_in_clause(
    mentions: Sequence[Mention], unhedged: frozenset[str] = frozenset()
) -> list[Mention]:
    general_from = min((m.start for m in mentions if m.concept == GENERAL), default=None)
    ends = [m.start for m in mentions if m.concept == NEGATION_END]
    reaches = [
        (m.end, min([m.end + NEGATION_REACH, *(e for e in ends if e >= m.end)]))
        for m in mentions
        if m.concept == NEGATION
    ]
    kept = []
    for mention in mentions:
        if mention.concept in CUES:
            continue
        if (
            general_from is not None
            and mention.start >= general_from
            and mention.concept not in unhedged
        ):
            continue
        if any(start <= mention.start < end for start, end in reaches):
            continue
        kept.append(mention)
    return kept
