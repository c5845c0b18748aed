"""Who gave a talk: person names a write-up puts beside the cues it uses for speakers.

Write-ups name speakers in a handful of ways whatever the blog: a "Speakers: A, B (Org)" line,
a lead "Name, Company — Title" line, "Title by Name at SREcon", "a talk by Name", "Name's
keynote", "Name (Company)" in a list or table cell. A cue alone is not enough: "by Continuous
Pipelines" has the shape of a name. So a candidate must look like a person's name (two to four
capitalised words, none of them a title word, no company name), and beside a weak cue ("by",
"'s talk") its first word must also be a known given name (srefind/data/first_names.txt); the
strong cues (a speakers line, a lead name-comma-company-dash line, a parenthesised affiliation)
take any name-shaped candidate, so names the list lacks are found there.

The same cues give a cleaner title: "1. The SRE I Aspire To Be by Yaniv Aknin at SREcon 2019"
is the talk "The SRE I Aspire To Be" by Yaniv Aknin.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from .companies import NOT_NAME_WORDS, NOT_ORGS
from .segmentation import parse_affiliation_line

# Words that start or end title-like phrases and are never part of a speaker's name.
TITLE_WORDS = NOT_NAME_WORDS | NOT_ORGS | {
    "Site", "Reliability", "Engineering", "Engineer", "Engineers", "Keynote", "Plenary", "Panel", "Workshop",
    "Lightning", "Speakers", "Speaker", "Presenter", "Presenters", "Track", "Session", "Room", "Hall", "Stage",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December", "Day", "Morning",
    "Afternoon", "Evening", "Youtube", "YouTube", "Slides", "Video", "Recording", "Abstract", "Summary", "Notes",
    "Introduction", "Conclusion", "Overview", "Takeaways", "Update", "SREcon", "SRECon", "Conference", "Q&A",
    # job titles: "Presenter: Kyle, Senior Production Engineer at Meta"
    "Senior", "Staff", "Principal", "Production", "Lead", "Head", "Chief", "Distinguished", "Junior", "Software",
    "Systems", "Manager", "Director", "Architect", "Developer", "Developers", "Founder", "Co-founder", "Member",
    "Technical", "Team", "Fellow", "Researcher", "Scientist", "Consultant", "Advocate", "Evangelist", "Intern",
}
TOKEN = r"[^\W\d_][\w'’.-]*"
CANDIDATE = rf"{TOKEN}(?:[ \u00a0]+{TOKEN}){{1,4}}"
SPLIT_NAMES = re.compile(r"\s*(?:,|;|/|&|\band\b)\s*")
HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "sir", "dame"}
PARTICLES = {"van", "de", "von", "der", "da", "del", "la", "le", "di", "du", "dos", "bin", "al"}

# Strong cues: the whole cue says "these are the speakers".
SPEAKERS_LINE = re.compile(r"^\s*(?:speakers?|presenters?|presented by|speaker\(s\))\s*[:：—–-]\s*(?P<names>.+)$", re.I)
LEAD_LINE = re.compile(
    rf"^\s*(?P<names>{CANDIDATE}(?:\s*(?:,|and|&)\s*{CANDIDATE})*)\s*"
    r"(?:,\s*(?P<org>[^—–|:()]{2,60}?))?\s*[—–|]\s+\S")
LEAD_DASH = re.compile(r"\s+[—–|]\s+")
PAREN = re.compile(rf"(?P<name>{CANDIDATE})\s*\((?P<org>[^()]{{2,60}})\)")
# "Moderator: A, Org; Panelists: B, C" (anywhere in a line, each label with its names)
ROLE_LIST = re.compile(r"\b(?:speakers?|presenters?|panell?ists?|moderators?|hosts?|keynote speakers?)\s*[:：]\s*"
                       r"(?P<names>[^;:]+)", re.I)
ROLE_WORDS = (r"(?:engineer|engineers|sre|sres|developer|manager|evangelist|advocate|contributor|member|lead|architect|"
              r"founder|co-founder|ceo|cto|vp|scientist|researcher|director|consultant|head|principal|maintainer)")
# What a speaker does in a summary of their talk: "Jason Griggs from Morgan Stanley's platform team discusses …"
TELLS = (r"(?:present(?:ed|s)|talk(?:ed|s)|spoke|speaks|gave|gives|shar(?:ed|es)|explain(?:ed|s)|describ(?:ed|es)"
         r"|discuss(?:ed|es)|walk(?:ed|s)|demonstrat(?:ed|es)|introduc(?:ed|es))")
INTRODUCES = r"introduc(?:es|ed)\s+(?:himself|herself|themselves|themself)"
# A speaker's bio: "Liz Frost is a kubernetes contributor", "Tucker Vento, a resilience engineer at …",
# "The speaker, Adam Shake, is …", "Elijah Andrews of Datadog presented …", "Kevin Crawley works as …"
BIO = re.compile(
    rf"^(?:the speaker,\s+)?(?P<name>{CANDIDATE})\s*(?:['’]s\s*)?(?:\([^()]{{2,40}}\)\s*)?"
    rf"(?:,?\s*(?:is|was|has been|works|worked)\s+(?:as\s+)?(?:an?\s+|the\s+)?(?:[\w/+-]+\s+){{0,5}}{ROLE_WORDS}\b"
    rf"|,\s+an?\s+(?:[\w/+-]+\s+){{0,5}}{ROLE_WORDS}\b"
    rf"|\s+(?:of|from)\s+[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)?(?:['’]s(?:\s+[a-z][\w-]*){{1,4}})?\s+{TELLS}"
    rf"|\s+{INTRODUCES})",
    re.I)
# What a bio paragraph opens with: the person, then their possessive, affiliation or verb
BIO_SUBJECT = re.compile(rf"^(?P<name>{TOKEN}(?:[ \u00a0]+{TOKEN}){{1,3}}?)(?=['’]s\s|\s*\(|,\s|\s+(?:is|was|has|have|works"
                         rf"|worked|leads|led|started|joined|spent|holds|helps|builds|manages|runs)\b)")
MONONYM_BIO = re.compile(r"^(?P<name>[A-Z][a-z]{2,})\s+(?:is|was|has|works|worked|leads|joined|spent|holds)\s")
# "The speaker introduces himself as Chris, a Boston area SRE": the name the speaker gives
INTRODUCED_AS = re.compile(rf"\b{INTRODUCES}\s+as\s+(?P<name>{TOKEN}(?:\s+{TOKEN}){{0,3}})")
# Weak cues: the name must start with a known given name.
BY = re.compile(rf"\bby\s+(?P<name>{CANDIDATE})")
POSSESSIVE = re.compile(rf"(?P<name>{CANDIDATE})['’]s\s+(?:keynote|talk|presentation|session|plenary)\b", re.I)

TALK_TAIL = re.compile(r"\s*[:,–—-]\s*(?:this|the)\s+(?:talk|session|presentation|keynote)(?:\s+(?:was|is))?"
                       r"(?:\s+(?:given|presented|delivered))?\s*$", re.I)
PLACED_AFTER = re.compile(r"\s*(?:,\s*)?(?:at|@|from|of)\s+(?P<org>SRE\s?con|[A-Z][\w.&-]+)")
NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[ivx]{1,4})[.):]\s+", re.I)
# "Keynote: Title", "Closing keynote — Title", "Lightning talk: Title": what kind of session, not its title
# (a panel's "Panel Discussion: …" is often the title itself and stays)
SESSION_LABEL = re.compile(r"^(?:(?:opening|closing|morning|afternoon|day\s+\w+)\s+)?(?:keynote|plenary|lightning\s+talk|talk"
                           r"|session)(?:\s*(?:#|no\.?\s*)?\d{1,2})?\s*(?::|\s[–—-])\s+(?=\S)", re.I)
# "10:30 — Title", "9.00am: Title", "14:00–14:45 Title": the time slot it was given
TIME_PREFIX = re.compile(r"^\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\.?)?(?:\s*[–—-]\s*\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\.?)?)?"
                         r"\s*(?:[:|–—-]\s*)?(?=[^\W\d])", re.I)
QUOTED = re.compile(r'^["“](?P<title>[^"“”]+)["”]$')
EVENT = r"SRE\s?con[\w/'’ -]{0,30}?"
AT_EVENT = re.compile(rf"\s*(?:[,(]\s*)?\b(?:at|@)\s+{EVENT}\)?\s*$", re.I)  # "… at SREcon 2019"
# "Talk at SRECON EU: Title", "My notes from SREcon19: Title", "SREcon23 Americas - Title"
EVENT_PREFIX = re.compile(
    rf"^(?:(?:my\s+)?(?:talk|keynote|presentation|notes?|slides)\s+(?:at|from)\s+)?{EVENT}\s*[:|–—-]\s+(?=\S)", re.I)


class SpeakerFinder:
    """Finds speakers in a talk's heading and first lines; `is_company` keeps company names out."""

    def __init__(self, first_names: Iterable[str], is_company: Callable[[str], bool]) -> None:
        self.first_names = frozenset(first_names)
        self.is_company = is_company

    # -- names -----------------------------------------------------------------------
    def person(self, candidate: str, *, strong: bool) -> str:
        """`candidate` as a person's name ("" when it is not one): trailing words that are not part
        of it (a company, "at", a title word) are cut; beside a weak cue the given name must be known."""
        words = self._name_words(candidate)
        if not self._shaped(words):
            return ""
        name = " ".join(w.rstrip(".,") if len(w) > 2 and not INITIALS.fullmatch(w) else w for w in words)
        if self.is_company(name) or any(self.is_company(w) for w in words if len(w) > 3):
            return ""
        if not strong and words[0].lower() not in self.first_names:
            return ""
        return name

    def mononym(self, candidate: str) -> str:
        """A one-word name where the cue leaves no doubt it is a person's (a speaker column):
        capitalised, no title word, no company, no digit."""
        word = candidate.strip(" .,;")
        if " " in word or not _capitalised(word) or word in TITLE_WORDS or self.is_company(word):
            return ""
        return word if word.isalpha() and len(word) > 2 else ""

    def _name_words(self, candidate: str) -> list[str]:
        """The words a name can be: up to its first lower-case word ("… from Microsoft"), less the
        title words, companies and lower-case words at its end."""
        words = candidate.replace("\u00a0", " ").split()
        while len(words) > 2 and words[0].rstrip(".").lower() in HONORIFICS:
            words = words[1:]  # "Dr. Laura Maguire" is Laura Maguire
        for i, w in enumerate(words[1:], 1):
            if not _capitalised(w) and w.lower() not in PARTICLES:
                words = words[:i]
                break
        while words and (words[-1] in TITLE_WORDS or self.is_company(words[-1]) or not _capitalised(words[-1])):
            words.pop()
        return words

    @staticmethod
    def _shaped(words: list[str]) -> bool:
        """Two to four capitalised words (particles allowed), no title word, no digit ("SREcon23 Americas")."""
        if not 2 <= len(words) <= 4 or any(w in TITLE_WORDS for w in words):
            return False
        if not (_capitalised(words[0]) or (INITIALS.fullmatch(words[0]) and _capitalised(words[-1]))):
            return False
        if not all(_capitalised(w) or w.lower() in PARTICLES for w in words[1:]):
            return False
        return not any(c.isdigit() for w in words for c in w)

    def _names_list(self, text: str, *, strong: bool) -> list[str]:
        text = re.sub(r"\([^()]*\)", ",", text)  # "A (Org), B (Org)" -> "A , B ,"
        out = []
        for part in SPLIT_NAMES.split(text):
            name = self.person(part.strip(), strong=strong) or (strong and self._given_name(part)) or ""
            if name:
                out.append(name)
        return out

    def _given_name(self, candidate: str) -> str:
        """A known given name on its own ("Presenter: Kyle, Senior Production Engineer at Meta")."""
        word = self.mononym(candidate)
        return word if word.lower() in self.first_names else ""

    def find(self, lines: Iterable[str], more: Iterable[str] = ()) -> list[str]:
        """Speakers named in `lines` (a talk's heading, then its first paragraphs), in order, then
        those that the strong cues name in `more` (the rest of the talk's text)."""
        found: list[str] = []

        def keep(names: Iterable[str]) -> None:
            for n in names:
                if n and n not in found:
                    found.append(n)

        for line in lines:
            line = " ".join(line.split()).lstrip(">*•·–- ")  # a quoted or bulleted speaker line
            if not line:
                continue
            m = SPEAKERS_LINE.match(line)
            if m:
                keep(self._names_list(m.group("names"), strong=True))
                continue
            roles = list(ROLE_LIST.finditer(line))
            for m in roles:
                keep(self._names_list(m.group("names"), strong=True))
            if roles:
                continue
            keep(self._bio(line))
            keep(self._introduced(line))
            m = LEAD_LINE.match(line)
            if m and (m.group("org") or " and " in m.group("names") or "," not in m.group("names")):
                keep(self._names_list(m.group("names"), strong=True))
            head = LEAD_DASH.split(line, maxsplit=1)
            if len(head) == 2:  # "A, Jeli, and B, Netflix — Title": speakers of several organisations
                keep(self.person(n, strong=True) for n, _ in parse_affiliation_line(head[0]) or [])
            for m in PAREN.finditer(line):
                # "Name (Org)" is strong for a known organisation; else the given name must be known
                # ("Lineage Driven Fault Injection (LDFI)" has a name's shape too)
                keep([self.person(_last_words(m.group("name")), strong=self.is_company(m.group("org").strip()))])
            for pat in (BY, POSSESSIVE):
                for m in pat.finditer(line):
                    keep([self._cued(line, m, placeable=pat is BY)])
        for line in more:
            line = " ".join(line.split()).lstrip(">*•·–- ")
            m = SPEAKERS_LINE.match(line)
            if m:
                keep(self._names_list(m.group("names"), strong=True))
            for m in ROLE_LIST.finditer(line):
                keep(self._names_list(m.group("names"), strong=True))
            keep(self._bio(line))
        return found

    def _cued(self, line: str, m: re.Match, *, placeable: bool) -> str:
        """The person a weak cue names: a known given name, or, after "by", a name the line places
        ("by Name at SREcon 2019", "by Name from Akamai")."""
        name = self.person(m.group("name"), strong=False)
        if name or not placeable:
            return name
        shaped = self.person(m.group("name"), strong=True)
        if not shaped:
            return ""
        after = PLACED_AFTER.match(line[line.find(shaped, m.start("name")) + len(shaped):])
        placed = after is not None and (after.group("org").lower().startswith("sre")
                                        or self.is_company(after.group("org").rstrip(".,;")))
        return shaped if placed else ""

    def _introduced(self, line: str) -> list[str]:
        """The name a speaker introduces themselves by: a full name, or a known given name alone."""
        return [n for m in INTRODUCED_AS.finditer(line)
                for n in [self.person(m.group("name"), strong=True) or self._given_name(m.group("name").split()[0])]
                if n]

    def under_presenters(self, bios: Iterable[str]) -> list[str]:
        """The people the paragraphs under a 'Presenters' heading open with ("Laura Nolan's background
        is …", "Danny Chen (Bloomberg) started …", "Wenting Wang is …"): the heading says who they are."""
        found: list[str] = []
        for line in bios:
            line = " ".join(line.split())
            m = BIO_SUBJECT.match(line)
            name = self.person(re.split(r"['’]s\b", m.group("name"))[0], strong=True) if m else ""
            if not name and (one := MONONYM_BIO.match(line)):
                name = self.mononym(one.group("name"))  # "Ashutosh is a member of the SRE team at eBay"
            if name and name not in found:
                found.append(name)
        return found

    def _bio(self, line: str) -> list[str]:
        """The person a bio sentence opens with ("Name is an SRE at …"), if it opens with one."""
        m = BIO.match(line)
        if not m:
            return []
        # a bio names the person's organisation ("… engineer at Bloomberg"), or the given name is known
        placed = re.match(r"\S*(?:\s+\S+){0,6}?\s+(?:at|for|with|of|from)\s+[A-Z]", line[m.end():]) is not None
        name = self.person(m.group("name"), strong=placed or " of " in m.group(0) or " from " in m.group(0))
        return [name] if name else []

    # -- titles ----------------------------------------------------------------------
    def clean_title(self, title: str) -> str:
        """A heading as a talk title: list numbering, "by <speaker> …" and "at SREcon …" taken off."""
        t = SESSION_LABEL.sub("", EVENT_PREFIX.sub("", NUMBERING.sub("", TIME_PREFIX.sub("", _unmarked(title)))))
        m = BY.search(t)
        if m and m.start() > 8 and (self.person(m.group("name"), strong=False)
                                    or self.person(m.group("name"), strong=True) and AT_EVENT.search(t)):
            t = t[: m.start()].rstrip(" ,–—-:")
        t = AT_EVENT.sub("", t).rstrip(" ,–—-:")
        t = TALK_TAIL.sub("", t).rstrip(" ,–—-:")  # "Title : this talk was" (by … cut above)
        t = QUOTED.sub(r"\g<title>", t.strip())  # "“Title” by Jane Doe"
        return t or title.strip()


def _unmarked(title: str) -> str:
    """A title without the pictographs and bullets a heading may open with ("🎤 Title", "• Title")."""
    t = title.strip()
    while t and (unicodedata.category(t[0]) in ("So", "Sk", "Sm", "Mn", "Cf") or t[0] in "•·*►▶→"):
        t = t[1:].lstrip()
    return t or title.strip()


# A given name written as initials: "JC van Winkel", "J. Paul Reed", "A.J. Smith"
# (two capitals are initials unless they are a common acronym: "ML Platform" is no name)
INITIALS = re.compile(r"(?:[A-Z]\.){1,3}|(?!(?:AI|ML|UI|UX|QA|IO|OS|DB|CI|CD|IT|HR|PR|VP|EU|US|UK|DC|GC|BI|AR|VR|OK|DR|DX)$)"
                      r"[A-Z]{2}")


def _capitalised(word: str) -> bool:
    core = word.strip("'’.,-")
    return bool(core) and core[0].isupper() and any(c.islower() for c in core)


def _last_words(candidate: str, n: int = 4) -> str:
    """The end of a candidate before "(Org)": "Kelly talked with Lorin Hochstein" -> its last words
    that are all capitalised ("Lorin Hochstein")."""
    words = candidate.split()
    tail: list[str] = []
    for w in reversed(words):
        if not (_capitalised(w) or w.lower() in PARTICLES) or len(tail) == n:
            break
        tail.insert(0, w)
    return " ".join(tail)
