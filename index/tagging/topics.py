"""Topic tagging: weighted term evidence from the shipped taxonomy, by where it appears.

A topic is tagged when the text really discusses it: a strong term ("distributed tracing",
"Jaeger") counts fully, a weak one ("span", "latency") counts a little, and a mention in the
title weighs more than one in the first paragraph, which weighs more than one in the body.
Any term in the title counts as strong (a title is short and on purpose) unless it is a weak
term of several topics ("incident": response or review? "scaling": systems or teams?). The
threshold scales with the length of the text, so a one-paragraph talk summary needs less
evidence than a long post, but one passing weak word never makes a topic. Negative phrases
("in my capacity") are consumed before matching so their words count for nothing.

Write-ups quote speaker bios ("Jane is a Staff SRE at X, where she works on Kafka
monitoring"): what the speaker did elsewhere is not what the talk is about, so terms in a
bio sentence count as weak and at a fraction of their weight. Bulleted notes run together in
one block are split into items, and a hyphenated compound that is not itself a term is split
so "ML-based" or "SLO-driven" still count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from nltk.tokenize import MWETokenizer

from .lexicon import Topic
from .text import fold, folded, is_bio, sentences

STRONG, WEAK = 1.0, 0.35
TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT = 2.5, 1.3, 1.0
THRESHOLD = 1.6
LONG_TEXT_WORDS = 150  # at this length and above the full threshold applies
MIN_SCALE = 0.45
MIN_WEAK_TERMS = 3
TITLE_WEAK = 0.6  # a weak term in the title: more than in the body, less than a strong term
SHORT_TEXT_WORDS = 80
SEP = "_"
RELATIVE = 0.3  # a topic must score at least this share of the entry's main topic
MAX_TOPICS = 4
NEGATIVE = "\x00negative"
SRE_TITLE = re.compile(r"\b(?:SREs?|site reliability)\b", re.I)
CULTURE = "culture"
# A sentence of this many short items (of at most this many words) holding terms of this many
# topics lists subjects ("Monitoring, Alerting, Capacity planning, CI/CD & rollouts, and DNS")
ENUMERATION_ITEMS, ENUMERATION_ITEM_WORDS, ENUMERATION_TOPICS = 4, 4, 3
LIST_SEPARATORS = re.compile(r"[,;:()&]|\band\b|\bor\b|\bas well as\b")
BIO_WEIGHT = 0.3  # a speaker-bio sentence says what the speaker did, not what the talk is about
# List items run together in one block ("- Intro: ... - Problem: ...") are separate statements.
BULLET = re.compile(r"(?:^|\s)[-*•]\s+")
READABLE = re.compile(r"[0-9A-Za-z\u00c0-\u024f]")


@dataclass
class TopicHit:
    topic: str
    score: float = 0.0
    strong: int = 0
    weak_terms: set[str] = field(default_factory=set)
    evidence: list[str] = field(default_factory=list)


@dataclass
class Scored:
    """A text's topic evidence before selection, and the length of its body in words."""

    hits: dict[str, TopicHit]
    words: int


class TopicTagger:
    """Matches folded tokens and multi-word expressions (NLTK's MWETokenizer) against the taxonomy."""

    def __init__(self, topics: list[Topic], threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.index: dict[str, list[tuple[str, float]]] = defaultdict(list)
        self.labels = {t.id: t.label for t in topics}
        mwes: list[tuple[str, ...]] = []
        for t in topics:
            for terms, weight in ((t.strong, STRONG), (t.weak, WEAK), (t.negative, 0.0)):
                for term in terms:
                    key_parts = tuple(folded(term))
                    if not key_parts:
                        continue
                    if len(key_parts) > 1:
                        mwes.append(key_parts)
                    key = SEP.join(key_parts)
                    if weight:
                        self.index[key].append((t.id, weight))
                    else:
                        self.index[key].append((NEGATIVE, 0.0))
        self.mwe = MWETokenizer(mwes, separator=SEP)
        # A weak term listed under several topics ("incident": response or review?) does not
        # decide a topic on its own even in a title.
        self.ambiguous = {
            key.replace(SEP, " ") for key, entries in self.index.items()
            if len({topic for topic, weight in entries if weight == WEAK}) >= 2
        }
        # Every single token a term can start with or consist of: a hyphenated token outside it is split.
        self.known = set(self.index) | {parts[0] for parts in mwes}

    def tokens(self, text: str) -> list[str]:
        """Folded tokens, with unknown hyphenated compounds split ("ML-based" -> "ml", "based").

        Keeps listed hyphenated terms ("post-mortem", "on-call") whole, but lets a term inside
        a compound modifier ("SLO-based", "chaos-driven") count.
        """
        out: list[str] = []
        for tok in folded(text):
            if "-" in tok and tok not in self.known:
                out.extend(fold(part) for part in tok.split("-") if part)
            else:
                out.append(tok)
        return out

    def matches(self, text: str) -> list[tuple[str, float, str]]:
        """(topic, weight, matched term) for every match in `text`; negative phrases match nothing."""
        out = []
        for token in self.mwe.tokenize(self.tokens(text)):
            entries = self.index.get(token, ())
            if any(topic == NEGATIVE for topic, _ in entries):
                continue
            for topic, weight in entries:
                out.append((topic, weight, token.replace(SEP, " ")))
        return out

    def _enumerates(self, sentence: str) -> bool:
        """Whether a sentence lists subjects, item after item ("Monitoring, Alerting, Capacity
        planning, CI/CD & rollouts, and Load Balancing"): short items each holding a term, of
        several topics. Such a list (a curriculum, a talk's abstract of everything) names what a
        field covers, not what the talk is about."""
        if sentence.count(",") < ENUMERATION_ITEMS - 2:
            return False
        terms: set[str] = set()
        topics: set[str] = set()
        for part in LIST_SEPARATORS.split(sentence):
            if 0 < len(part.split()) <= ENUMERATION_ITEM_WORDS:
                found = self.matches(part)
                if found:
                    terms.add(found[0][2])
                    topics.update(topic for topic, _, _ in found)
        return len(terms) >= ENUMERATION_ITEMS and len(topics) >= ENUMERATION_TOPICS

    def tag(self, title: str, blocks: list[str], ignore: Iterable[str] = ()) -> dict[str, TopicHit]:
        """Score every topic over a title and body blocks; return those over the threshold.
        `ignore`: names that are no evidence here (the speakers' own company: "Datadog", "Azure")."""
        return self.select(self.score(title, blocks, ignore), title)

    def score(self, title: str, blocks: list[str], ignore: Iterable[str] = ()) -> Scored:
        """Every topic any term of the title and blocks points at, with its evidence (none dropped)."""
        hits: dict[str, TopicHit] = {}
        skipped = {" ".join(folded(name)) for name in ignore}

        def add(text: str, place_weight: float, place: str) -> None:
            for sent in _statements(text) if place != "title" else [text]:
                seen: set[tuple[str, str]] = set()
                matched = self.matches(sent)
                # "Fundamentals: monitoring, capacity planning, CI/CD and load balancing": a sentence
                # naming many subjects lists them and is about none, like a bio
                bio = place != "title" and (is_bio(sent) or self._enumerates(sent))
                for topic, weight, term in matched:
                    if term in skipped:
                        continue
                    if bio:
                        weight = WEAK  # what the speaker has done elsewhere is weak evidence at most
                    if (topic, term) in seen:
                        continue  # one term counts once per sentence
                    seen.add((topic, term))
                    promoted = False  # a weak term in a short title decides, unless ambiguous
                    if place == "title" and weight != STRONG:
                        weight = TITLE_WEAK
                        promoted = n_title_words <= 12 and term not in self.ambiguous
                    hit = hits.setdefault(topic, TopicHit(topic))
                    hit.score += weight * place_weight * (BIO_WEIGHT if bio else 1.0)
                    if weight == STRONG or promoted:
                        hit.strong += 1
                    else:
                        hit.weak_terms.add(term)
                    if len(hit.evidence) < 4:
                        hit.evidence.append(f"{term!r} in {place}: {sent[:160]}")

        n_title_words = len(title.split())
        if title:
            add(title, TITLE_WEIGHT, "title")
        n_words = 0
        for i, block in enumerate(blocks):
            n_words += _readable_words(block)
            add(block, LEAD_WEIGHT if i == 0 else BODY_WEIGHT, "first paragraph" if i == 0 else "body")
        return Scored(hits, n_words)

    def select(self, scored: Scored, title: str) -> dict[str, TopicHit]:
        """The topics a text is about: over the threshold for its length, near its main subject."""
        n_words = scored.words
        scale = min(1.0, max(MIN_SCALE, n_words / LONG_TEXT_WORDS))
        min_weak = MIN_WEAK_TERMS - (1 if n_words < SHORT_TEXT_WORDS else 0)
        found = {
            t: h for t, h in scored.hits.items()
            if h.score >= self.threshold * scale and (h.strong or len(h.weak_terms) >= min_weak)
        }
        if found:
            # Incidental topics of a long text: keep those near the main subject, and a few at most.
            top = max(h.score for h in found.values())
            ranked = sorted(found.values(), key=lambda h: -h.score)
            found = {h.topic: h for h in ranked[:MAX_TOPICS] if h.score >= RELATIVE * top}
        if not found and title and SRE_TITLE.search(title) and CULTURE in self.labels:
            # A talk about SRE itself with no technical subject is about SRE practice.
            evidence = [f"SRE practice in the title: {title[:160]}"]
            found[CULTURE] = TopicHit(CULTURE, self.threshold, 0, set(), evidence)
        return found


def _readable_words(text: str) -> int:
    """Words of a block the vocabulary can match: those with a Latin letter or a digit. Japanese or
    Chinese prose is not split into words here, so a page in it is as long as what can be read of it
    (its Latin-script names and terms), not as long as its phrases."""
    return sum(1 for word in text.split() if READABLE.search(word))


def _statements(text: str) -> list[str]:
    """Sentences of a block, with list items that were run together split apart."""
    return [part for sent in sentences(text) for part in BULLET.split(sent) if part.strip()]
