"""The tagging pipeline: Page -> talk entries with companies, topics, conference, year, speakers.

Steps, each in its own module: conference and year (conference.py), relevance, segmentation
into talks (segment.py), then per talk: speakers and affiliations and companies
(companies.py), topics (topics.py). Every tag keeps its evidence so `srefind tag` can show why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from srefind.models import Page, TalkEntry, entry_id

from .companies import CompanyTagger
from .conference import OTHER_EVENTS, ConferenceGuess, about_another_event, guess_conference
from .known_talks import KnownTalks
from .lexicon import load_companies, load_first_names, load_topics
from .segmentation import Section, segment, stated_title
from .speakers import SpeakerFinder
from .text import length_in_words, sentences, words

MIN_WORDS = 12
CALL_FOR_TALKS = re.compile(r"\bcall\s+for\s+(?:participation|papers|proposals|speakers|talks)\b|\bCFP\b", re.I)
ANOTHER_EVENT_WORD = re.compile(r"\b(?:meetups?|meet-ups?|summit|devopsdays|conference|conf|con\s?\d\d|camp|days)\b", re.I)
EVENT_LIST_OTHERS, EVENT_LIST_SHARE = 5, 3  # other events named this often, and this many times SREcon: a calendar
SUMMARY_CHARS = 6000
CONTEXT_CHARS = 3000
RECAP_WORDS = re.compile(r"\b(?:recap|notes|review|report|takeaways|impressions|highlights|summar(?:y|ies))\b", re.I)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
VIDEO_MOMENT = re.compile(r"(?:youtu\.be/|youtube\.com/watch\?v=|vimeo\.com/)([\w-]{6,})\S*?[?&#]t=\d")
RECORDING_MOMENTS = 3  # links to this many moments of one video: the page follows the recording
OWN_TALK = re.compile(
    r"\b(?:my|our)\s+(?:(?:short|lightning|first)\s+)?(?:talk|presentation|session|keynote|workshop)\b"
    r"|\bI\s+(?:gave|presented|delivered|spoke)\b|\bto\s+(?:give|present)\s+(?:a|my)\s+(?:\w+\s+)?talk\b"
    r"|\b(?:present(?:ed|ing)|giving|gave|deliver(?:ed|ing))\s+(?:this|my)\s+(?:talk|presentation)\b"
    r"|^(?:my\s+)?talk\s+at\b", re.I)
# A <pre> block with more symbols than this share is code or a shell session; notes kept in <pre>
# (some blogs do) have a few percent (measured: notes 2-5%, code 7-56%)
CODE_SYMBOLS = 0.06
PROGRAM_MIN_TALKS = 5  # a talk list this long, with no notes on any talk, is a program
PROGRAM_LINE_WORDS = 40
PROGRAM_PROSE_WORDS = 50  # ... and with fewer words than this around it (a write-up says what the writer thought)
# A recap's sentence that says who spoke about what: the two make the untitled talk's label
TALKED_ABOUT = re.compile(
    r"^(?P<who>[A-Z][^.;:!?]{2,60}?)\s+(?:talked|spoke|presented|(?:gave|delivered)\s+(?:a|an|the|their|his|her)\s+"
    r"(?:[\w-]+\s+){0,2}(?:talk|keynote|presentation|session))\s+(?:about|on)\s+(?P<about>[^.;:!?()]{6,80}?)"
    r"(?=[.;:!?(]|,\s|\s+(?:and|which|where|with)\s|$)")
# "Google SRE developed sophisticated distributed tracing tool using …": who (capitalised words, an
# aside in brackets), what they did (one or two lower-case verbs), and what (up to where the clause turns)
SUBJECT_CLAUSE = re.compile(
    r"^(?P<who>[A-Z][\w.&'’-]*(?:\s+(?:[A-Z][\w.&'’-]*|eng|engineers|team|folks))*)(?:\s*\([^()]{0,60}\))?"
    r"\s+(?P<verb>[a-z]+(?:\s+and\s+[a-z]+)?)\s+(?P<what>[^,;:()]+)")
CLAUSE_TURNS = re.compile(r"\s+(?:by|using|with|without|against|across|which|that|while|so|even|also|then|when|where|because"
                          r"|after|before|to\s+(?:help|use|get|make|let|allow|ease|keep|reduce|avoid))\b.*$"
                          r"|\s+(?:to|for|on)\s*$")
PARTICLE = re.compile(r"^(?:through|about|over|up|out|on)\s+")  # "walked through …", "talked about …"
LABEL_WORDS = 12


def _subject_label(sentence: str) -> str:
    """A short label for an untitled talk whose paragraph opens with its subject: the subject and
    what it made or did ("Uber: machine learning to predict capacities of resources")."""
    m = SUBJECT_CLAUSE.match(sentence)
    if not m:
        return ""
    what = CLAUSE_TURNS.sub("", PARTICLE.sub("", m.group("what"))).strip(" .!?")
    words = what.split()
    return f"{m.group('who')}: {_clipped(words)}" if len(words) >= 2 else ""


def _clipped(words: list[str]) -> str:
    """A label's words, at most LABEL_WORDS of them ("…" when some were left out)."""
    return " ".join(words[:LABEL_WORDS]) + ("…" if len(words) > LABEL_WORDS else "")


# Notes that report a talk: "Deploying and debugging HTTP/3 was briefly touched upon", "Liz Rice's keynote
# highlighted the significance of eBPF": what was reported on is the talk's subject
REPORTING = (r"discussed|presented|covered|explained|touched\s+upon|highlighted|emphasi[sz]ed|stressed|introduced"
             r"|described|explored|showed|shown|demonstrated|reviewed")
REPORTED = re.compile(rf"^(?P<x>[A-Z][^.;:!?]{{4,90}}?)\s+(?:(?:was|were|is|are)\s+(?:also\s+|briefly\s+)*(?:{REPORTING})"
                      rf"|(?P<verb>{REPORTING}|included)\s+(?P<what>[^.;:!?]+))\b")
SHORT_SUBJECT_WORDS = 4


def _reported_label(sentence: str) -> str:
    """A short label for an untitled talk from a note that reports it: what was discussed, or, when
    that is the talk itself ("Liz Rice's keynote highlighted …"), the talk and what it was about."""
    m = REPORTED.match(sentence)
    if not m:
        return ""
    x = m.group("x").strip()
    if m.group("verb") and len(x.split()) <= SHORT_SUBJECT_WORDS:
        what = CLAUSE_TURNS.sub("", m.group("what")).strip(" .!?").split()
        if len(what) >= 2:
            return f"{x}: {_clipped(what)}"
    return x if len(x.split()) >= 2 else ""


TITLE_SUFFIX = re.compile(r"\s+[|·•–—-]\s+[^|·•–—-]{2,60}$")
# What a write-up of a talk says somewhere: the talk, its speaker, its slides (a page with SREcon in
# its title and none of these, nor any company or speaker, is about something else: photos, a joke)
TALK_WORDS = re.compile(
    r"\b(?:talks?|keynotes?|presentations?|present(?:ed|ers?|ing)|speakers?|spoke|sessions?|slides?"
    r"|panel(?:ists?)?|lightning|workshops?|tutorials?|abstract"
    # and in the languages write-ups are most often in after English
    r"|vortr(?:a|ä)ge?|vortrags?|referent(?:in|en)|conférences?|présentations?|charlas?|ponencias?"
    r"|ponentes?|palestras?|palestrantes?|relatori?)\b"
    # the same words in Japanese and Chinese, which have no word boundaries to match at
    r"|講演|登壇|発表|セッション|スライド|ワークショップ|演讲|演講|幻灯片", re.I)
# A sponsor's own post about its stand: the site's name in the title and its booth in the text
STAND_WORDS = re.compile(r"\b(?:booths?|swag|exhibit(?:ors?|ion|ing)?|expo\s+hall|sponsor(?:ed|ing|ship)?)\b", re.I)
SPONSOR_STAND_WORDS = 2
SUBJECT_PARAGRAPH_WORDS = 8  # a paragraph about a talk says something: a speaker line alone is not one
LABEL_AFTER = re.compile(r"^[^:.!?]{0,20}:")  # "Twitter threads: …", "Slides: …"
# What follows a company that is the subject of a sentence: its possessive, its people, a verb
SUBJECT_NEXT = re.compile(r"^(?:['’]s\b|\s+(?:SREs?|engineers?|engineering|eng|teams?|folks|people|staff)\b"
                          r"|\s+[a-z]+(?:ed|es|s)\b)")
LEAD = re.compile(r"^[\s\W]*(?:At\s+|The\s+)?(?P<subject>[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3})")


@dataclass
class PageAnalysis:
    page_url: str
    relevant: bool
    reason: str
    page_type: str
    split: str = "none"
    conference: ConferenceGuess = field(default_factory=ConferenceGuess)
    entries: list[TalkEntry] = field(default_factory=list)


class Tagger:
    """Built once (it compiles the gazetteer and taxonomy), then `analyze` many pages."""

    def __init__(self, lexicon_dir: str | Path | None = None, known_talks: KnownTalks | None = None) -> None:
        # the talks the crawl found on events' own pages: a write-up's entries are matched against them
        self.known_talks = known_talks or KnownTalks()
        self.companies = CompanyTagger(load_companies(extra_dir=lexicon_dir))
        from .topics import TopicTagger  # after lexicon, so a bad topics file names itself

        self.topics = TopicTagger(load_topics(extra_dir=lexicon_dir))
        names = self.companies.names
        self.speakers = SpeakerFinder(load_first_names(), lambda text: names.lookup(text) is not None)
        self.companies.is_person = lambda name: bool(self.speakers.person(name, strong=False))

    # -- relevance ----------------------------------------------------------------
    def _relevance(self, page: Page, conf: ConferenceGuess) -> tuple[bool, str]:
        if page.page_type in ("listing", "program", "page"):
            return False, f"{page.page_type} page"
        if length_in_words(page.text) < MIN_WORDS and page.page_type != "talk":
            return False, "too little text"
        if _names_srecon(page.talk_title + " " + page.conference_hint):
            return True, "SREcon named in the conference field"
        if CALL_FOR_TALKS.search(page.title) and not OWN_TALK.search(page.title) and "accepted" not in page.title.lower():
            # "SREcon24 Americas Call for Participation": the event asking for talks, not a talk
            return False, "a call for participation"
        if _names_srecon(page.url + " " + page.title):
            if _a_sponsor_stand(page):
                return False, "a sponsor's post about its own stand"
            return True, TITLE_ONLY
        if RECAP_WORDS.search(page.title) and (YEAR.search(page.title) or ANOTHER_EVENT_WORD.search(page.title)):
            # "Recap Percona Live 2017 Europe", "Berlin SRE meetup #12 recap" (a title naming SREcon was
            # decided above): a write-up of another event, whatever it says of SREcon
            return False, "a recap of another event"
        if OTHER_EVENTS.search(page.title) and conf.mentions < 2:
            # "My talk at DevOpsDays Berlin" that says once it was also given at SREcon: the post is
            # about the other event's talk
            return False, "the title names another event and the text names SREcon only once"
        others = len(OTHER_EVENTS.findall(page.text))
        if others >= EVENT_LIST_OTHERS and others >= EVENT_LIST_SHARE * max(1, conf.mentions):
            # "DevOpsDays Geneva, QCon London, SREcon Americas (25th-27th), KubeCon …": a calendar of events
            return False, f"a list of events: {others} other events named, SREcon {conf.mentions} times"
        lead = " ".join(b.text for b in page.blocks[:4] if b.kind == "text").lower().replace(" ", "")
        if "srecon" in lead and (conf.mentions >= 2 or TALK_WORDS.search(page.text)):
            # ... and the page speaks of talks: a job ad's "we send you to a conference, SREcon included" does not
            return True, "SREcon named in the opening paragraphs"
        if conf.mentions >= 2:
            return True, f"SREcon named {conf.mentions} times"
        if conf.mentions and _follows_recording(page):
            return True, "the notes of a recorded SREcon talk, followed by its timestamps"
        if conf.mentions == 1 and _own_srecon_talk(page):
            return True, "the writer's own SREcon talk, named once"
        return False, "not about an SREcon talk"

    @staticmethod
    def _a_program(page: Page, sections: list[Section]) -> bool:
        if len(sections) < PROGRAM_MIN_TALKS or not all(
                sec.people and len(sec.blocks) == 1 and len(words(sec.blocks[0])) <= PROGRAM_LINE_WORDS
                for sec in sections):
            return False
        listed = {sec.blocks[0] for sec in sections}
        prose = sum(len(words(b.text)) for b in page.blocks if b.kind == "text" and b.text not in listed)
        return prose < PROGRAM_PROSE_WORDS

    # -- segmentation helpers -------------------------------------------------------
    def _introduces(self, paragraph: str) -> str | None:
        """The company or speaker a paragraph of prose opens with, if it opens with one ("Uber uses …",
        "Jane Doe from Uber talked …"); not a short line ("Jane Doe (Uber)"), a label ("Twitter
        threads: …") or a company named by an ordinary word used as one ("Blameless culture is …")."""
        m = LEAD.match(paragraph)
        if not m or len(paragraph.split()) < SUBJECT_PARAGRAPH_WORDS or LABEL_AFTER.match(paragraph[m.end():]):
            return None
        head = m.group("subject")
        for n in range(len(head.split()), 0, -1):
            cand = " ".join(head.split()[:n])
            resolved = self.companies.resolve(cand)
            if resolved != cand or cand in self.companies.canonical:
                after = paragraph[m.start("subject") + len(cand):]
                if cand in self.companies.weak and not cand.isupper() and not SUBJECT_NEXT.match(after):
                    return None
                return resolved
        affs = self.companies.affiliations(sentences(paragraph)[0] if paragraph else "")
        return affs[0].organisation if affs else None

    def _section_title(self, page: Page, section: Section, split: str) -> tuple[str, list[tuple[str, str]]]:
        """A talk's title and the (speaker, affiliation) pairs the page names for it."""
        if split == "single":
            title = page.talk_title or TITLE_SUFFIX.sub("", self.speakers.clean_title(page.title)) or section.heading
            return title, [(p.name, p.affiliation) for p in page.speakers]
        if section.title:
            return section.title, [(n, self.companies.resolve(o)) if o else self._trailing_affiliation(n)
                                   for n, o in section.people]
        first = sentences(section.blocks[0])[0] if section.blocks else ""
        stated = stated_title(first)
        if stated:
            return stated, []
        m = TALKED_ABOUT.match(first)
        if m:  # "Jane Doe from Uber talked about queues that never drain." -> "Jane Doe from Uber on queues …"
            return f"{m.group('who')} on {m.group('about').strip()}", []
        label = _subject_label(first) if section.subject else _reported_label(first)
        if label:  # "Uber uses machine learning to predict capacities … by …" -> "Uber: machine learning to predict …"
            return label, []
        title = first if len(first) <= 110 else first[:107].rsplit(" ", 1)[0] + "…"
        return title, []

    def _trailing_affiliation(self, who: str) -> tuple[str, str]:
        """'Jane Doe Uber' (a title line's 'by Jane Doe Uber', no comma or brackets): the person and the
        company the gazetteer knows after the name; the name alone when nothing follows it."""
        for m in self.companies.pattern.finditer(who):
            alias = m.group(1)
            person = who[:m.start()].strip(" ,;-–—|")
            if m.start() and alias not in self.companies.weak and self.speakers.person(person, strong=True) == person:
                return person, self.companies.canonical[alias]
        return who, ""

    def _speakers(self, page: Page, section: Section, people: list[tuple[str, str]], title: str, many: bool
                  ) -> tuple[list[str], str]:
        """A talk's speakers, and its title cleaned of them. An organiser's talk page names its
        speakers in fields; elsewhere every name must look like a person's (speakers.py), and one
        beside an organisation the gazetteer lacks needs a known given name too."""
        if page.page_type == "talk":
            speakers = [name for name, _ in people if name]
            for block in section.blocks[:1]:
                speakers += [a.speaker for a in self.companies.affiliations(block) if a.speaker not in speakers]
            return speakers, title
        finder = self.speakers
        if section.row:
            # a table's speaker column says "these are people" outright: one name alone ("Hatch") is one too
            return [n for n in (finder.person(name, strong=True) or finder.mononym(name) for name, _ in people
                                if name) if n], title
        speakers = [n for n in (finder.person(name, strong=True) for name, _ in people if name) if n]
        heading = section.title or section.heading or (page.title if not many else "")
        _add(speakers, finder.find([heading, *section.blocks[:2]], section.blocks[2:]))
        _add(speakers, self._affiliated(section))
        if not many:
            _add(speakers, finder.under_presenters(_presenter_blocks(page)))
        if not speakers and not many:
            _add(speakers, self._writer_of_own_talk(page, section))
        return speakers, finder.clean_title(title) if title else title

    def _affiliated(self, section: Section) -> list[str]:
        """People of the affiliations the talk's first paragraph gives ("Jane Doe (Uber)")."""
        finder = self.speakers
        return [n for block in section.blocks[:1] for aff in self.companies.affiliations(block)
                for n in [finder.person(aff.speaker, strong=finder.is_company(aff.organisation))] if n]

    def _writer_of_own_talk(self, page: Page, section: Section) -> list[str]:
        """The page's author, when the post says it is their own talk ("my talk", "to give a short
        talk", "presenting this talk", "Talk at SREcon: …")."""
        author = self.speakers.person(page.author, strong=True) if page.author else ""
        if author and OWN_TALK.search(" ".join([page.title, *section.blocks])):
            return [author]
        return []

    # -- the pipeline --------------------------------------------------------------
    def analyze(self, page: Page) -> PageAnalysis:
        """A page's relevance and its talk entries: relevance, sections, then an entry per section."""
        conf = guess_conference(page.url, page.title + " " + page.talk_title, page.text, page.conference_hint)
        relevant, reason = self._relevance(page, conf)
        result = PageAnalysis(page.url, relevant, reason, page.page_type, conference=conf)
        if not relevant:
            return result
        sections, result.split = self._sections(page)
        if result.split == "list" and self._a_program(page, sections):
            # every talk is one "speaker — title" line, with next to no prose around them: a
            # program, not notes on the talks; they are indexed from their own pages and write-ups
            result.relevant, result.reason = False, f"a list of {len(sections)} talks without notes (a program)"
            return result
        page_parts = _PageParts.of(page, sections)
        for n, section in enumerate(sections, 1):
            entry = self._entry(page, section, n, result.split, conf, page_parts)
            if entry is not None:
                result.entries.append(entry)
        if page.page_type != "talk":
            for entry in result.entries:
                self._link(entry)
        if not result.entries:
            result.relevant, result.reason = False, "no talk found in the text"
        elif reason == TITLE_ONLY and not self._about_talks(page, result.entries):
            result.relevant, result.reason = False, "SREcon only in the title: the text names no talk, speaker or company"
        return result

    def _link(self, entry: TalkEntry) -> None:
        """A write-up's entry about a known talk takes the talk's title and speakers (its own title is
        kept in the evidence; its text still decides its topics)."""
        link = self.known_talks.match(entry)
        if link is None:
            return
        talk = link.talk
        entry.evidence["talk"] = [talk.url, f"confidence {link.confidence:.2f}", *link.evidence,
                                  f"the write-up's own title: {entry.title}"]
        entry.talk_url, entry.link_confidence, entry.own_title = talk.url, link.confidence, entry.title
        entry.link_evidence = list(link.evidence)
        entry.title = talk.title
        entry.conference, entry.year = talk.conference or entry.conference, talk.year or entry.year
        entry.talk_type = talk.talk_type
        entry.speakers = list(talk.speakers) or entry.speakers
        entry.companies = list(talk.companies) + [c for c in entry.companies if c not in talk.companies]

    @staticmethod
    def _about_talks(page: Page, entries: list[TalkEntry]) -> bool:
        """Whether the text says anything of a talk: a talk word, a speaker or a company."""
        body = page.text.replace(page.title, " ", 1)
        return bool(TALK_WORDS.search(body)) or any(e.companies or e.speakers for e in entries)

    def _sections(self, page: Page) -> tuple[list[Section], str]:
        if page.page_type == "talk":
            return [Section(heading=page.talk_title, blocks=[b.text for b in page.blocks if b.kind == "text"])], "single"
        sections, split = segment(page.blocks, self._introduces,
                                  lambda name: bool(self.speakers.person(name, strong=False)))
        # a write-up's section about a talk given at another event is not an SREcon talk
        here = [s for s in sections if not about_another_event([s.heading, *s.blocks])]
        return (here, split) if here else (sections, split)

    def _entry(self, page: Page, section: Section, n: int, split: str, conf: ConferenceGuess,
               parts: _PageParts) -> TalkEntry | None:
        """One section as a talk entry: its title, speakers, companies and topics, with the evidence."""
        title, people = self._section_title(page, section, split)
        if not section.blocks and not title:
            return None
        url = f"{page.url}#{section.anchor or _text_fragment(section, n)}" if parts.many else page.url
        prose = [b for b in section.blocks if b not in parts.code]  # a code listing is no evidence of a subject
        tagged_title = title if split != "paragraphs" else ""
        companies = self.companies.tag(tagged_title, prose, people, subject=section.subject)
        # who gave the talk is not what it is about: the speakers' own organisation ("Jane Doe, Datadog",
        # "Microsoft Azure SRE proposed …") is no evidence of a topic its name is a term of
        own = [alias for c, h in companies.items() if h.own for alias in self.companies.aliases(c)]
        topics = self.topics.tag(tagged_title, prose, ignore=own)
        speakers, title = self._speakers(page, section, people, title, parts.many)
        evidence = {f"company:{c}": h.evidence for c, h in companies.items()}
        evidence.update({f"topic:{t}": h.evidence for t, h in topics.items()})
        if conf.conference or conf.year:
            evidence["conference"] = [conf.evidence]
        return TalkEntry(
            id=entry_id(url),
            url=url,
            page_url=page.url,
            title=title or page.title,
            speakers=speakers,
            companies=sorted(companies, key=lambda c: -companies[c].score),
            topics=sorted(topics, key=lambda t: -topics[t].score),
            conference=conf.conference,
            year=conf.year,
            date=page.date,
            summary="\n".join(section.blocks)[:SUMMARY_CHARS],
            site=page.site,
            context=parts.context,
            evidence=evidence,
            author=page.author,
            media=[{"kind": m.kind, "url": m.url} for m in page.media] if page.page_type == "talk" else [],
            room=page.room,
            record=page.page_type == "talk",
            talk_type=talk_type(page.talk_title or title, page.title) if page.page_type == "talk" else "",
        )


@dataclass
class _PageParts:
    """What every section of a page shares: whether there are several, the page's code listings,
    and its text outside every talk (searchable with each of them)."""

    many: bool
    code: set[str]
    context: str

    @classmethod
    def of(cls, page: Page, sections: list[Section]) -> _PageParts:
        many = len(sections) > 1
        code = {b.text for b in page.blocks if b.tag == "pre" and _symbol_share(b.text) > CODE_SYMBOLS}
        context = ""
        if many:
            used = {text for sec in sections for text in sec.blocks}
            context = " ".join(b.text for b in page.blocks if b.kind == "text" and b.text not in used)[:CONTEXT_CHARS]
        return cls(many, code, context)


def _add(names: list[str], more: list[str]) -> None:
    """Append the names not already there, in order."""
    for n in more:
        if n not in names:
            names.append(n)


TITLE_ONLY = "SREcon named in URL or title"


TALK_TYPE_PATTERNS = (  # what an event's page calls a session, first match wins
    ("keynote", re.compile(r"\b(?:keynote|plenary)\b", re.I)),
    ("lightning", re.compile(r"\blightning\b", re.I)),
    ("panel", re.compile(r"\bpanel(?:\s+discussion)?\s*:|\bpanel\s+discussion\b|^panel\b", re.I)),
    ("workshop", re.compile(r"\b(?:workshop|tutorial|hands-on lab)\b", re.I)),
)


def talk_type(*names: str) -> str:
    """A talk page's kind of session from its title ("Keynote Address: …", "Panel: …", "… Workshop"),
    else "talk"."""
    for kind, pattern in TALK_TYPE_PATTERNS:
        if any(pattern.search(n) for n in names if n):
            return kind
    return "talk"


PRESENTERS_HEADING = re.compile(
    r"(?:about\s+the\s+|the\s+)?(?:presenters?|speakers?|speaker\s+bios?|panell?ists?|bios?)\s*:?", re.I)


def _presenter_blocks(page: Page) -> list[str]:
    """The paragraphs under a 'Presenters' / 'About the speakers' heading: the speakers' bios."""
    out: list[str] = []
    under = False
    for b in page.blocks:
        if b.kind == "heading":
            under = bool(PRESENTERS_HEADING.fullmatch(b.text.strip()))
        elif under:
            out.append(b.text)
    return out


def _names_srecon(text: str) -> bool:
    low = text.lower()
    return "srecon" in low.replace(" ", "") or "sre con" in low


def _a_sponsor_stand(page: Page) -> bool:
    """A vendor's post about its own stand at the event: the site's own name leads the title
    ("Acme at SREcon") and the text talks of its booth or swag."""
    host = page.site.lower().removeprefix("www.").split(".")[0]
    own_name = len(host) >= 3 and host in page.title.lower().replace(" ", "")
    return own_name and len(STAND_WORDS.findall(page.text)) >= SPONSOR_STAND_WORDS


def _symbol_share(text: str) -> float:
    """Share of a text's non-space characters that are neither letters nor digits."""
    chars = [c for c in text if not c.isspace()]
    return sum(not c.isalnum() for c in chars) / len(chars) if chars else 0.0


# The post is the writer's talk, said beside SREcon: "I gave this talk at SREcon23", "the written version
# of my SREcon talk", "thanks to everyone who came to my talk", "slides from SREcon23: …" (but "see my talk
# at SREcon around 25:05" in a post on something else points at a talk, it is not one)
THIS_IS_MY_TALK = re.compile(
    r"\b(?:gave|presented|delivered|giving|presenting)\s+(?:(?:a|an\s+earlier|a\s+shorter|a\s+longer|the\s+first)\s+"
    r"version\s+of\s+)?this\s+(?:talk|presentation|keynote)\b"
    r"|\b(?:written|blog|text|prose)\s+version\s+of\s+(?:my|our)\b"
    r"|\b(?:came|coming|attended|attending|joined)\s+(?:to\s+)?(?:my|our)\s+(?:\w+\s+)?(?:talk|session|workshop)\b"
    r"|\b(?:slides|recording)\s+(?:of|from)\s+(?:my\s+)?(?:\w+\s+)?sre\s?con", re.I)
NOT_GIVEN = re.compile(r"\b(?:reject(?:ed|ion)|declined|turned down|not accepted|wasn'?t accepted|didn'?t get in"
                       r"|instead of)\b", re.I)


def _own_srecon_talk(page: Page) -> bool:
    """Whether the one sentence that names SREcon says the talk is the writer's own ("I gave this talk
    at SREcon23", "thanks to everyone who came to my talk at SREcon", "slides from SREcon23: …"), however
    late in the post it comes."""
    return any(_names_srecon(sent) and THIS_IS_MY_TALK.search(sent) and not NOT_GIVEN.search(sent)
               for b in page.blocks if b.kind == "text" for sent in sentences(b.text))


def _follows_recording(page: Page) -> bool:
    """Whether the page walks through one recording: several links to moments of the same video
    (a speaker's notes of their own talk, chapter by chapter), in any language."""
    moments: dict[str, int] = {}
    for link in page.links:
        m = VIDEO_MOMENT.search(link)
        if m:
            moments[m.group(1)] = moments.get(m.group(1), 0) + 1
    return max(moments.values(), default=0) >= RECORDING_MOMENTS


def _text_fragment(section: Section, n: int) -> str:
    """A URL text fragment (`#:~:text=`) for sections without an element id: browsers scroll to it."""
    first = section.blocks[0] if section.blocks else ""
    lead = " ".join(first.split()[:5])
    return f":~:text={quote(lead, safe='')}" if lead else f"talk-{n}"
