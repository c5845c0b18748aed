"""Company tagging: gazetteer aliases plus speaker affiliations, subject told apart from passing mention.

Statistical NER is noisy on tech names (Slack, Honeycomb, Datadog), so the gazetteer and the
affiliation patterns come first. Each mention earns a score from where it stands (title,
affiliation, lead sentence) and what surrounds it ("Uber's", "at Uber", "Uber engineers" raise
it; "like Google does", "such as", a book title, a sponsor list lower it). A company is tagged
when its score passes a threshold. Weak aliases (common words such as "Jet" or "Square") count
only next to a subject cue or an affiliation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .lexicon import Company
from .text import about_a_past_career, is_bio, sentence_around, sentences

THRESHOLD = 2.0
AFFILIATION_SCORE = 4.0
OWNED_FACTOR = 1.5  # measured: 1.5 and 2.0 score alike on every site, dev and corpus/pages
BARE_NAME_WORDS = 3  # a block of at most this many words that is just a company name is a label or a link
SUBJECT_AFTER = re.compile(
    r"^(?:'s|’s|\s+(?:SREs?|engineers?|engineering|eng|team|teams|folks|people|production|infrastructure|"
    r"uses|used|use|built|builds|build|developed|develops|created|creates|migrated|migrates|moved|moves|runs|ran|"
    r"presented|presents|shared|shares|talked|talks|described|describes|explained|explains|showed|shows|"
    r"has|had|have|is|was|were|are|operates|operated|scaled|scales|needed|wanted|started|decided|went|"
    r"rolled|designed|implemented|adopted|relies|relied|did|does|handles|handled|manages|managed|"
    r"SRE|production engineers?))\b",
)
SUBJECT_BEFORE = re.compile(r"\b(?:at|from|of|by|with|joined|inside|within)\s+(?:the\s+)?$", re.I)
PASSING_BEFORE = re.compile(
    r"\b(?:like|such as|e\.g\.,?|eg|similar to|than|unlike|including|compared to|compared with|versus|vs\.?|"
    r"as|sponsored by|sponsors?|thanks to|e\.g|(?:organi[sz]ed|hosted|run|put on|chaired|co-chaired) by)"
    r"\s+(?:the\s+)?$",
    re.I,
)
# "follow me on Twitter", "share on LinkedIn", "I tweeted about it on Twitter": a platform, not a subject
SOCIAL_BEFORE = re.compile(
    r"\b(?:follow(?:ing)?|find|share[ds]?|sharing|post(?:ed|s|ing)?|tweet(?:ed|s|ing)?|subscribe|reach|connect|"
    r"me|us|him|her|them)\s+(?:[\w@'’-]+\s+){0,3}on\s+$", re.I)
# A weak alias that starts a longer proper name is that name ("King's Cross", "Square Enix")
LONGER_NAME_AFTER = re.compile(r"^(?:'s|’s)?\s+[A-Z][a-z]")
# "Google's SRE book", "like Google does", "a GitHub repo/resource/link", "the ACM Queue magazine": the
# company is not the talk's subject (a publisher is where something was written up, not who spoke)
# "like Facebook, Google, Uber are doing": every company of a list after a passing cue is passing too
PASSING_LIST = re.compile(
    r"\b(?:like|such as|e\.g\.,?|including|similar to|unlike)\s+(?:the\s+)?"
    r"(?:[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,2}\s*(?:,|\band\b|\bor\b|&)\s*)+$")
PASSING_AFTER = re.compile(
    r"^(?:'s|’s)?\s*(?:book|books|paper|papers|SRE book|does|did|repo|repos|repository|repositories|resource|"
    r"resources|link|links|gist|gists|magazine|magazines|journal|journals|Queue"
    # "Twitter threads: …", "Twitter: @jdoe", "LinkedIn profile": the writer's or speaker's social account
    r"|threads?|handles?|accounts?|profiles?|feeds?|tweets?|live-?tweet\w*"
    # "a Docker Captain", "an AWS Hero", "Google Developer Expert", "Microsoft MVP": a community title, not an employer
    r"|Captains?|Heroe?s?|Developer\s+Experts?|GDEs?|MVPs?|Ambassadors?|Champions?"
    # "USENIX SREcon", "USENIX's SREcon": the event's organiser, not a speaker's company
    r"|SRE\s?con\w*)\b|^:\s*(?:@|https?://)", re.I)
EMPLOYER_BEFORE = re.compile(r"\b(?:at|for|with|joined|from)\s+(?:the\s+)?$", re.I)
SPONSOR = re.compile(r"\bsponsor", re.I)
NAME = r"[A-Z][a-z][a-zA-Z'’.-]*(?:\s+(?:van|de|von|der|da|del|la|le)?\s*[A-Z][a-z][a-zA-Z'’.-]*){1,2}"
# an organisation: capitalised words ("Morgan Stanley", "Jet.com"), or a brand written as its lower-case
# domain ("incident.io", "fly.io")
ORG = (r"(?:[A-Z0-9](?:[\w&'’-]|\.(?=\w))*(?:\s+(?:of|and|&)?\s*[A-Z0-9](?:[\w&'’-]|\.(?=\w))*){0,4}"
       r"|[a-z][\w-]*(?:\.[a-z][\w-]*)*\.(?:io|com|net|org|dev|ai|co|app|cloud|sh)\b)")
AFFILIATION_PATTERNS = [
    re.compile(rf"(?P<name>{NAME})\s*\((?P<org>{ORG})\)"),  # Jane Doe (Uber)
    re.compile(rf"(?P<name>{NAME})\s+(?:from|at|of)\s+(?P<org>{ORG})"),  # Jane Doe from Uber, Jane Doe of Uber
    re.compile(rf"(?P<name>{NAME}),\s+(?:an?\s+[\w\s-]{{0,40}}?\s+at\s+)?(?P<org>{ORG})\s*(?:$|[;—–|])"),  # Jane Doe, Uber
    re.compile(rf"(?P<name>{NAME})\s+@(?P<org>[A-Za-z][\w.-]+)"),  # Jane Doe @Uber
]
# "Speakers: Jane Doe (Uber), Joe Bloggs (Hachyderm / Twilio)"
SPEAKERS_LABEL = re.compile(r"^\s*(?:speakers?|presenters?|speaker\(s\)|presented by|panell?ists?)\s*[:：—–-]", re.I)
SHARED_AFFILIATION = re.compile(rf"(?P<name>{NAME})\s*\((?P<orgs>[^()/]{{2,60}}(?:/[^()/]{{2,60}})+)\)")
ROLE_BEFORE = re.compile(
    r"\b(?:works?|working|worked|engineer|engineers|evangelist|manager|lead|SREs?|developer|director|architect|"
    r"founder|CTO|CEO|VP|head|member|team|colleagues?)\b(?:\s+[\w-]+){0,4}\s+(?:at|for|with|from)\s+(?:the\s+)?$",
    re.I,
)
# "Jane is a Google SRE", "Yaniv is GCP quantitative reliability lead", "a talk by Netflix engineers":
# the company names a role, so it is where the person works
ROLE_AFTER_BEFORE = re.compile(r"\b(?:is|are|a|an|the|by)\s+$", re.I)
ROLE_AFTER = re.compile(
    r"^(?:\s+[\w-]+){0,3}?\s+(?:engineers?|SREs?|leads?|managers?|architects?|developers?|directors?|"
    r"researchers?|scientists?|staff|employees?)\b(?!\s+(?:at|for|of|from|with)\b)", re.I)
# Capitalised words that start title-case phrases, never a person's name.
NOT_NAME_WORDS = {"The", "A", "An", "And", "Are", "Is", "Of", "For", "With", "How", "What", "Why", "When", "Our",
                  "Your", "We", "To", "In", "On", "At", "By", "From", "Into", "Not", "All", "Be", "Do", "It", "Its",
                  "This", "That", "These", "Those", "Who", "Where", "Which", "Fast", "Slow", "Make", "Making", "Get",
                  "Getting", "Building", "Using", "Lessons", "Learning", "Scaling", "Running", "Day", "Talk", "Part"}
NOT_ORGS = {"The", "This", "That", "SRE", "SREs", "SREcon", "I", "We", "They", "He", "She", "It", "Q", "A", "An",
            "Slides", "Video", "Notes", "Day", "Talk", "Keynote", "Part", "Room", "Track", "Session", "Too", "Also", "TDD",
    "Yes", "No", "Ok", "OK", "Aside", "Note", "Update", "Edit", "Source", "Sources", "Link", "Links", "Demo"}


@dataclass
class CompanyHit:
    name: str
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    mentioned_only: bool = True  # every score came from names in the body
    own: bool = False  # the speakers' organisation: an affiliation, or the subject the talk's paragraph opens with

    def add(self, score: float, why: str, *, mention: bool = False, own: bool = False) -> None:
        """`mention`: a name in the body, not where a talk says whose it is (title, lead, affiliation)."""
        self.score += score
        self.mentioned_only = self.mentioned_only and mention
        self.own = self.own or own
        if len(self.evidence) < 4:
            self.evidence.append(why)


@dataclass
class Affiliation:
    speaker: str
    organisation: str  # canonical when the gazetteer knows it, else as written


FOREIGN_SCRIPT = 0.5  # below this share of Latin letters among its letters, a text is in another script


def _latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c < "\u0250" for c in letters) / len(letters) if letters else 1.0


def _title_case(text: str) -> bool:
    """Headline-style text ("Learning More from Incidents"), where capitals say nothing about names."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _org_like(org: str) -> bool:
    """An unknown organisation name worth believing: capitalised words, not a sentence fragment."""
    words = org.split()
    return all(w[:1].isupper() or w in ("of", "and", "&", "for") for w in words) and not (
        len(words) == 1 and len(org) < 3
    )


_LEGAL_SUFFIX = re.compile(r",?\s+(?:Inc|LLC|Ltd|GmbH|Corp|Co|PLC)\.?$")
_NAME_SUFFIXES = (" inc", " inc.", " ltd", " llc", " corp", " corporation", " labs", " engineering", " sre")


def _one_per_organisation(m: re.Match) -> str:
    """"Joe Bloggs (Hachyderm / Twilio)" -> "Joe Bloggs (Hachyderm), Joe Bloggs (Twilio)": the same person at both."""
    return ", ".join(f"{m.group('name')} ({org.strip()})" for org in m.group("orgs").split("/"))


LIST_GLUE = re.compile(r"^\s*(?:,\s*(?:and\s+|or\s+|&\s*)?|\s(?:and|or|&)\s+)$")
LISTED_COMPANIES = 3  # "Meta, Microsoft, and Google run IPv6": examples, not the talk's subject


def _listed(sentence: str, named: list[re.Match]) -> set[int]:
    """Starts of the company names that stand in a list of three or more ("A, B, and C")."""
    out: set[int] = set()
    run = named[:1]
    for prev, m in zip(named, named[1:]):
        if LIST_GLUE.match(sentence[prev.end():m.start()]):
            run.append(m)
            continue
        if len(run) >= LISTED_COMPANIES:
            out.update(r.start() for r in run)
        run = [m]
    if len(run) >= LISTED_COMPANIES:
        out.update(r.start() for r in run)
    return out


class CompanyNames:
    """The one alias resolver: every spelling of a gazetteer company to its canonical name.

    Used by the tagger (names in text, affiliations) and by the query parser (`company:gcp`);
    case-insensitive lookups fold with `str.casefold`, as the lexicon's duplicate check does.
    """

    def __init__(self, companies: list[Company]) -> None:
        self.canonical: dict[str, str] = {}  # alias (as written) -> canonical
        self.folded: dict[str, str] = {}  # casefolded alias -> canonical
        self.weak: set[str] = set()  # aliases that need a cue before they count (see lexicon.py)
        for c in companies:
            for alias in (c.name, *c.aliases):
                self.canonical[alias] = c.name
                self.folded.setdefault(alias.casefold(), c.name)
            for alias in c.weak_aliases:
                self.canonical.setdefault(alias, c.name)
                self.weak.add(alias)
                self.folded.setdefault(alias.casefold(), c.name)
        self.names = frozenset(self.folded.values())

    def lookup(self, name: str) -> str | None:
        """The canonical name for a spelling, as written or in any case; None when unknown."""
        return self.canonical.get(name) or self.folded.get(name.casefold())

    def resolve(self, org: str) -> str:
        """Canonical name for an organisation as written (legal and team suffixes ignored); an
        unknown one passes through tidied."""
        org = _LEGAL_SUFFIX.sub("", org.strip(" .,;:'\"’"))
        known = self.lookup(org)
        if known:
            return known
        low = org.casefold()
        for suffix in _NAME_SUFFIXES:
            if low.endswith(suffix) and low[: -len(suffix)] in self.folded:
                return self.folded[low[: -len(suffix)]]
        return org


class CompanyTagger:
    def __init__(self, companies: list[Company], threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        # Whether a name is a person's (the tagger sets it from its speaker finder): an organisation
        # the gazetteer lacks is believed only beside one.
        self.is_person: Callable[[str], bool] | None = None
        self.names = CompanyNames(companies)
        self.canonical, self.folded, self.weak = self.names.canonical, self.names.folded, self.names.weak
        self.by_canonical: dict[str, list[str]] = {}  # canonical -> every alias, for aliases()
        for alias, canonical in self.canonical.items():
            self.by_canonical.setdefault(canonical, []).append(alias)
        names = sorted(self.canonical, key=len, reverse=True)
        self.pattern = re.compile(
            r"(?<![\w@/.-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-]|\.[a-z])"
        )

    def resolve(self, org: str) -> str:
        return self.names.resolve(org)

    def aliases(self, name: str) -> list[str]:
        """Every name the gazetteer knows an organisation by ("Microsoft": Microsoft, Azure, …)."""
        return self.by_canonical.get(name) or [name]

    def affiliations(self, text: str) -> list[Affiliation]:  # noqa: C901 - one loop over four patterns
        """Speaker affiliations written as "Name (Company)", "Name from Company", "Name, Company", "Name @Company".

        Organisations the gazetteer lacks are believed only in the tight "Name (Company)" form, outside
        headline-style text: measured on the dev labels, "from X" brought more noise than organisations.
        """
        out: list[Affiliation] = []
        # a speakers line is the strongest cue there is: its capitals are names, not a headline
        speaker_line = SPEAKERS_LABEL.match(text) is not None
        title_case = _title_case(text) and not speaker_line
        if speaker_line:
            text = SHARED_AFFILIATION.sub(_one_per_organisation, text)
        for pat in AFFILIATION_PATTERNS:
            for m in pat.finditer(text):
                org = m.group("org").strip()
                first = org.split()[0] if org.split() else ""
                if not org or first in NOT_ORGS or len(org) < 2:
                    continue
                name = m.group("name").strip()
                if any(w in NOT_NAME_WORDS for w in name.split()):
                    continue  # a title-case phrase, not a person
                if about_a_past_career(sentence_around(text, m.start(), m.end())):
                    continue  # "a degree in X from Cornell", "previously at Y": the speaker's past
                resolved = self.resolve(org)
                if resolved not in self.names.names:
                    # Unknown organisation: only the tight "Name (Org)" form, an org that looks like one,
                    # and a name that is a person's ("Key Performance Indicators (KPI)" is not)
                    if pat is not AFFILIATION_PATTERNS[0] or len(org.split()) > 4 or not _org_like(org) or title_case:
                        continue
                    if self.is_person is not None and not self.is_person(name):
                        continue
                out.append(Affiliation(name, resolved))
        return out

    def tag(
        self, title: str, blocks: list[str], speakers: Sequence[tuple[str, str]] = (), *, subject: str = ""
    ) -> dict[str, CompanyHit]:
        """Score companies for one talk: title, body blocks, (speaker, affiliation) pairs.

        `subject` is the company a paragraph-per-talk section was found to open with.
        """
        hits: dict[str, CompanyHit] = {}

        def hit(name: str) -> CompanyHit:
            return hits.setdefault(name, CompanyHit(name))

        if subject:
            hit(subject).add(3.0, f"the talk's paragraph opens with {subject!r}", own=True)

        for speaker, org in speakers:
            if org and (self.names.lookup(org) or _org_like(org)):  # "(25th-27th)" after a name is no company
                name = self.resolve(org)
                hit(name).add(4.0, f"affiliation of {speaker or 'a speaker'}: {org!r}", own=True)
        texts = ([("title", title)] if title else []) + [
            ("first paragraph" if i == 0 else "body", b) for i, b in enumerate(blocks)
        ]
        for place, text in texts:
            # In text of another script (Japanese, Cyrillic...), a company written in Latin letters
            # stands out as a name: its mention counts as a cued one, as "at Uber" does in English.
            foreign = _latin_share(text) < FOREIGN_SCRIPT
            for aff in self.affiliations(text):
                hit(aff.organisation).add(4.0, f"affiliation {aff.speaker} / {aff.organisation!r} in {place}", own=True)
            if place != "title" and len(text.split()) <= BARE_NAME_WORDS and self.pattern.fullmatch(text.strip(" .,:;()")):
                continue  # a block that is only a name ("Twitter" in a list of links) says nothing of the talk
            for si, sent in enumerate(sentences(text) if place != "title" else [text]):
                sponsor = bool(SPONSOR.search(sent))
                past = place != "title" and about_a_past_career(sent)
                bio = place != "title" and is_bio(sent)
                named = list(self.pattern.finditer(sent))
                listed = _listed(sent, named)
                for m in named:
                    alias = m.group(1)
                    name = self.canonical[alias]
                    before, after = sent[: m.start()], sent[m.end():]
                    if alias in self.weak and LONGER_NAME_AFTER.match(after):
                        continue  # part of another name: "King's Cross"
                    if PASSING_BEFORE.search(before) or PASSING_LIST.search(before) or PASSING_AFTER.search(after) \
                            or SOCIAL_BEFORE.search(before) or sponsor or past or m.start() in listed:
                        hit(name).add(0.0, f"passing mention {alias!r}: {sent[:160]}")
                        continue
                    employed = ROLE_BEFORE.search(before) or (ROLE_AFTER_BEFORE.search(before) and ROLE_AFTER.match(after))
                    if bio and not employed and not EMPLOYER_BEFORE.search(before):
                        # "He has been a Docker Captain for his work with the community": a bio names what
                        # the speaker does besides; where they work it says with "at", "for", "joined"
                        hit(name).add(0.0, f"in a bio, not where the speaker works {alias!r}: {sent[:160]}")
                        continue
                    opening = not before.strip(" \"'“(") or before.strip() in ("At", "The", "At the")
                    if employed:
                        hit(name).add(4.0, f"affiliation {alias!r}: {sent[:160]}", own=True)
                        continue
                    cue = bool(SUBJECT_AFTER.search(after) or SUBJECT_BEFORE.search(before)) or (
                        opening and alias not in self.weak
                    ) or (foreign and alias not in self.weak)
                    if alias in self.weak and not cue:
                        continue
                    if place == "title":
                        score = 3.0
                    elif place == "first paragraph" and si == 0:
                        score = 1.5
                    else:
                        score = 0.8
                    if cue:
                        score += 1.5
                    hit(name).add(score, f"{alias!r} in {place}: {sent[:160]}", mention=place == "body")
        # a talk whose speakers' company is known names others as examples ("T-Mobile has run IPv6
        # since 2014"): a company only mentioned in its body needs the evidence of several mentions
        owned = any(not h.mentioned_only and h.score >= AFFILIATION_SCORE for h in hits.values())
        return {n: h for n, h in hits.items()
                if h.score >= self.threshold * (OWNED_FACTOR if owned and h.mentioned_only else 1.0)}
