"""Topic tagging: weighted term evidence from the shipped taxonomy, by where it appears.

A topic is tagged when the text really discusses it: a strong term ("distributed tracing",
"Jaeger") counts fully, a weak one ("span", "latency") counts a little, and a mention in the
title weighs more than one in the first paragraph, which weighs more than one in the body.
One passing weak word stays below the threshold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from nltk.tokenize import MWETokenizer

from .lexicon import Topic
from .text import folded, sentences

STRONG, WEAK = 1.0, 0.35
TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT = 2.5, 1.3, 1.0
THRESHOLD = 1.6
MIN_WEAK_TERMS = 3
SEP = "_"


@dataclass
class TopicHit:
    topic: str
    score: float = 0.0
    strong: int = 0
    weak_terms: set[str] = field(default_factory=set)
    evidence: list[str] = field(default_factory=list)


class TopicTagger:
    """Matches stemmed tokens and multi-word expressions (NLTK's MWETokenizer) against the taxonomy."""

    def __init__(self, topics: list[Topic], threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.index: dict[str, list[tuple[str, float]]] = defaultdict(list)
        self.labels = {t.id: t.label for t in topics}
        mwes: list[tuple[str, ...]] = []
        for t in topics:
            for terms, weight in ((t.strong, STRONG), (t.weak, WEAK)):
                for term in terms:
                    key_parts = tuple(folded(term))
                    if not key_parts:
                        continue
                    if len(key_parts) > 1:
                        mwes.append(key_parts)
                    self.index[SEP.join(key_parts)].append((t.id, weight))
        self.mwe = MWETokenizer(mwes, separator=SEP)

    def matches(self, text: str) -> list[tuple[str, float, str]]:
        """(topic, weight, matched term) for every match in `text`."""
        out = []
        for token in self.mwe.tokenize(folded(text)):
            for topic, weight in self.index.get(token, ()):
                out.append((topic, weight, token.replace(SEP, " ")))
        return out

    def tag(self, title: str, blocks: list[str]) -> dict[str, TopicHit]:
        """Score every topic over a title and body blocks; return those over the threshold."""
        hits: dict[str, TopicHit] = {}

        def add(text: str, place_weight: float, place: str) -> None:
            for sent in sentences(text) if place != "title" else [text]:
                seen: set[tuple[str, str]] = set()
                for topic, weight, term in self.matches(sent):
                    if (topic, term) in seen:
                        continue  # one term counts once per sentence
                    seen.add((topic, term))
                    hit = hits.setdefault(topic, TopicHit(topic))
                    hit.score += weight * place_weight
                    hit.strong += weight == STRONG
                    if weight != STRONG:
                        hit.weak_terms.add(term)
                    if len(hit.evidence) < 4:
                        hit.evidence.append(f"{term!r} in {place}: {sent[:160]}")

        if title:
            add(title, TITLE_WEIGHT, "title")
        for i, block in enumerate(blocks):
            add(block, LEAD_WEIGHT if i == 0 else BODY_WEIGHT, "first paragraph" if i == 0 else "body")
        # A strong term, or three different weak ones: one weak word repeated never makes a topic.
        return {
            t: h for t, h in hits.items()
            if h.score >= self.threshold and (h.strong or len(h.weak_terms) >= MIN_WEAK_TERMS)
        }
