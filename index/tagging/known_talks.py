"""Known talks: a write-up's entry matched against the talks the crawl found on the event's own pages.

An organiser's talk page states a talk's title and speakers exactly; a blog writes about the same
talk under a heading of its own ("Wide events instead of dashboards"), a sentence, or a speaker's
first name. When the crawl holds the event's talk pages, an entry of a write-up of the same event
is matched against them whatever its layout: the title (fuzzy, with rapidfuzz, so "Code-Yellow" is
"Code Yellow" and "1. X by Y" is X), the speakers' names, and the talk's title or a speaker's full
name written in the entry's own text. A link is made only when the evidence is good enough and
points at one talk: the same title at another event is no link, and an entry that names two talks
equally well links to neither.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, utils

from srefind.models import TalkEntry

TITLE_SAME = 90  # title similarity (0-100) that alone is a link
TITLE_NEAR = 60  # ... that is one together with a speaker
NAME_SAME = 90  # a speaker's name written a little differently ("Jon"/"John" is not; "Kehoe, M." is not)
TITLE_IN_TEXT_WORDS = 4  # a known title this long, written out in the entry's text, names the talk
LINK_CONFIDENCE = 0.8  # below this, no link
AMBIGUOUS_MARGIN = 0.05  # a second talk this close to the best: the entry may be about either


@dataclass(frozen=True)
class KnownTalk:
    """A talk as its event's own page states it."""

    url: str
    conference: str
    year: int | None
    title: str
    speakers: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    talk_type: str = ""

    @classmethod
    def of(cls, entry: TalkEntry) -> KnownTalk:
        """The talk a talk page's entry describes."""
        return cls(entry.url, entry.conference, entry.year, entry.title, tuple(entry.speakers), tuple(entry.companies),
                   entry.talk_type)


@dataclass
class TalkLink:
    """An entry's known talk, how sure the match is, and why."""

    talk: KnownTalk
    confidence: float
    evidence: list[str] = field(default_factory=list)
    title: float = 0.0  # how alike the titles are, 0-100


class KnownTalks:
    """The talks of every crawled event, by conference, to match write-up entries against."""

    def __init__(self, talks: Iterable[KnownTalk] = ()) -> None:
        self.by_conference: dict[str, list[KnownTalk]] = defaultdict(list)
        self.by_year: dict[int, list[KnownTalk]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        for t in sorted(talks, key=lambda t: t.url):
            key = (t.conference, utils.default_process(t.title))
            if t.conference and t.title and key not in seen:
                seen.add(key)
                self.by_conference[t.conference].append(t)
                if t.year:
                    self.by_year[t.year].append(t)
        self._speaker_talks: dict[tuple[str, str], int] = defaultdict(int)
        for conf, ts in self.by_conference.items():
            for t in ts:
                for s in t.speakers:
                    self._speaker_talks[(conf, _name_key(s))] += 1

    def __len__(self) -> int:
        return sum(len(ts) for ts in self.by_conference.values())

    def digest(self) -> str:
        """What the matches depend on: changes when a talk is added, removed or retitled."""
        h = hashlib.sha256()
        for conf in sorted(self.by_conference):
            for t in self.by_conference[conf]:
                h.update(repr((t.url, t.conference, t.year, t.title, t.speakers, t.companies, t.talk_type)).encode())
        return h.hexdigest()[:16]

    def match(self, entry: TalkEntry) -> TalkLink | None:
        """The known talk `entry` is about, or None when no talk (or more than one) fits well enough."""
        if entry.conference:
            candidates = self.by_conference.get(entry.conference, [])
            scored = [self._score(entry, t) for t in candidates]
        else:
            # "SREcon19" without the region: any event of that year, on the title alone
            scored = [link for link in (self._score(entry, t) for t in self.by_year.get(entry.year or 0, []))
                      if link.title >= TITLE_SAME]
        if not scored:
            return None
        scored.sort(key=lambda link: -link.confidence)
        best = scored[0]
        if best.confidence < LINK_CONFIDENCE:
            return None
        if len(scored) > 1 and scored[1].confidence >= best.confidence - AMBIGUOUS_MARGIN:
            return None
        return best

    def _score(self, entry: TalkEntry, talk: KnownTalk) -> TalkLink:
        evidence: list[str] = []
        title = _title_similarity(entry.title, talk.title)
        text = utils.default_process(entry.summary)
        known_title = utils.default_process(talk.title)
        title_in_text = (len(known_title.split()) >= TITLE_IN_TEXT_WORDS
                         and re.search(rf"\b{re.escape(known_title)}\b", text) is not None)
        named = [s for s in talk.speakers if any(fuzz.ratio(_name_key(s), _name_key(e)) >= NAME_SAME
                                                 for e in entry.speakers)]
        written = [s for s in talk.speakers if s not in named and len(_name_key(s).split()) >= 2
                   and re.search(rf"\b{re.escape(_name_key(s))}\b", text)]
        confidence = 0.0
        if title >= TITLE_SAME:
            confidence = title / 100
            evidence.append(f"title {title:.0f}% alike")
        if title_in_text:
            confidence = max(confidence, 0.9)
            evidence.append("the talk's title in the text")
        if named or written:
            evidence.append("speaker " + ", ".join(named + written) + (" named" if named else " in the text"))
            if title >= TITLE_NEAR:
                confidence = max(confidence, 0.85 + title / 1000)
                evidence.append(f"title {title:.0f}% alike")
            elif all(self._speaker_talks[(talk.conference, _name_key(s))] == 1 for s in named + written):
                # the entry's speaker (or a speaker its text names in full) gave this one talk at the
                # event; a text that names two of the event's speakers fits two talks: no link
                confidence = max(confidence, 0.8)
            confidence = min(1.0, confidence + 0.05)
        return TalkLink(talk, round(confidence, 3), evidence, title)


def _title_similarity(a: str, b: str) -> float:
    """How alike two talk titles are, 0-100: as whole strings, or one held whole in the other
    when both are long enough for that to mean something."""
    pa, pb = utils.default_process(a), utils.default_process(b)
    if not pa or not pb:
        return 0.0
    score = fuzz.ratio(pa, pb)
    if min(len(pa.split()), len(pb.split())) >= TITLE_IN_TEXT_WORDS:
        score = max(score, fuzz.partial_ratio(pa, pb) * 0.97)
    return score


def _name_key(name: str) -> str:
    return utils.default_process(name)
