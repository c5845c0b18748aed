"""Talk segmentation: one entry per talk a page describes.

A write-up that covers several talks is split where it introduces each one:
- at headings that name talks ("Title — Speaker (Company)"),
- at list items that name talks ("Title by Speaker", or a title line followed by a
  "Speaker, Company" line, as in notes taken talk by talk),
- or, with neither, at paragraphs that each open by naming a talk's subject (a company or a
  speaker), as in a recap with one paragraph per talk.
A page about one talk is one entry.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from srefind.models import Block

GENERIC_HEADINGS = re.compile(
    r"(?:presenters?|speakers?|notes?|my notes|my general notes|general notes|slides?|video|recording|summary|"
    r"tl;?dr|takeaways?|key takeaways|key points|highlights|conclusions?|closing thoughts|final thoughts|thoughts|"
    r"intro(?:duction)?|overview|links?|resources|references|further reading|q\s*&\s*a|questions|abstract|about|"
    r"update[sd]?|misc(?:ellaneous)?|other talks|background|context|the problem|problem|solution|"
    r"results?|lessons(?: learned)?|what i learned|learnings|comments?|agenda|day \d+|\w+day|"
    r"morning|afternoon|evening|keynotes?|lightning talks|workshops?|labs?|sessions?|track \d+|"
    r"tools?|outcomes?|why|how|what|details|discussion|recap|wrap[- ]?up|epilogue|prologue|appendix)"
    r"(?:\s*\d+)?(?:\s*[:.!?].{0,40})?",
    re.I,
)
NAME = r"[A-Z][\w'’.-]*[a-z][\w'’.-]*(?:\s+(?:(?:van|de|von|der|da|del|la|le|di)\s+)?[A-Z][\w'’.-]+){1,3}"
NAMES = rf"{NAME}(?:\s*(?:,|&|\band\b)\s*{NAME})*"
ORG_SUFFIX = re.compile(r"^(?:inc\.?|llc|ltd\.?|gmbh|corp\.?|co\.?|plc|s\.a\.)$", re.I)
# "Title by Jane Doe", "Title — Jane Doe (Uber)", "Title - Jane Doe, Uber"
TITLE_BY = re.compile(
    rf"^(?P<title>.{{6,200}}?)\s+(?:by|—|–|-{{1,2}}|\|)\s+(?P<who>{NAMES})(?:\s*(?:\((?P<org>[^()]{{2,60}})\)|,\s*(?P<org2>[^,()]{{2,60}})))?\s*[.]?$"
)


@dataclass
class Section:
    """A stretch of a page about one talk."""

    heading: str = ""
    anchor: str = ""
    blocks: list[str] = field(default_factory=list)
    subject: str = ""  # the company or speaker the opening paragraph introduces (paragraph splits)
    title: str = ""  # the talk's title, when the page states it
    people: list[tuple[str, str]] = field(default_factory=list)  # (speaker, affiliation)
    lead: bool = False  # started by a "Title - notes" list item (split_by_talk_list)
    row: bool = False  # a row of a table of talks: its speakers are its speaker column's
    para: bool = False  # started by a paragraph ("<p><b>Title</b> (Jane Doe, Uber): notes</p>"), not a list item


def _normalise(text: str) -> str:
    return re.sub(r"\s+,", ",", text).strip()


def split_names(who: str) -> list[str]:
    return [n.strip() for n in re.split(r",|&|\band\b", who) if n.strip()]


def parse_title_line(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """'Title by Jane Doe (Uber)' -> ('Title', [('Jane Doe', 'Uber')]); None when it is not such a line."""
    m = TITLE_BY.match(_normalise(text))
    if not m:
        return None
    title = m.group("title").strip(" :\"“”")
    if len(title.split()) < 2:
        return None
    org = (m.group("org") or m.group("org2") or "").strip()
    return title, [(n, org) for n in split_names(m.group("who"))]


# "Jane Doe — Title", "Jane Doe and John Roe, Uber – Title": the speakers first
NAME_FIRST = re.compile(rf"^(?P<who>{NAMES})(?:,\s*(?P<org>[^—–,]{{2,40}}?)|\s*\((?P<org2>[^()—–]{{2,40}})\))?"
                        rf"\s+(?:—|–|-{{1,2}})\s+(?P<title>\S.{{4,200}})$")


TITLE_THEN_NOTES = re.compile(r"^(?P<title>\S.{4,120}?)(?::\s|\s[-–—]\s)(?P<rest>\S.{15,})$")


def parse_name_first(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """'Jane Doe — Title' -> ('Title', [('Jane Doe', '')]): a line that names its speakers before
    the title, told from 'Title — Jane Doe' by the names side being the shorter one."""
    m = NAME_FIRST.match(_normalise(text))
    if not m:
        return None
    who, title = m.group("who"), m.group("title").strip(" \"“”")
    if len(title.split()) <= len(who.split()) or len(title.split()) > 30:
        return None
    if title.split()[0].isalpha() and title.split()[0].islower():
        return None  # "Queues Everywhere - why every queue needs …": a short title, then notes
    lead = TITLE_THEN_NOTES.match(title)  # "Jane Doe — Title: what the writer made of it"
    if lead and _title_like(lead.group("title")):
        title = lead.group("title")
    elif _capitalised_share(title) < 0.5:
        return None  # "Queues Everywhere – The speakers walked through …": a title, then its notes
    org = (m.group("org") or m.group("org2") or "").strip()
    return title, [(n, org) for n in split_names(who)]


TITLE_BRACKETS = re.compile(r"^(?P<title>[^()]{4,160}?)\s*\((?P<who>[^()]{3,80})\)\s*$")


def parse_title_brackets(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """'Title (Jane Doe, Uber)' -> ('Title', [('Jane Doe', 'Uber')]): the speakers in brackets after it."""
    m = TITLE_BRACKETS.match(_normalise(text))
    if not m or not _title_like(m.group("title").strip(" \"“”")):
        return None
    people = parse_affiliation_line(m.group("who"))
    return (m.group("title").strip(" \"“”"), people) if people else None


NAME_COLON = re.compile(rf"^(?P<who>{NAMES})\s*:\s+(?P<title>\S.{{4,200}})$")


def parse_name_colon_title(text: str, person: Callable[[str], bool]) -> tuple[str, list[tuple[str, str]]] | None:
    """'Jane Doe: Title' -> ('Title', [('Jane Doe', '')]) when every name before the colon is a
    person's (a known given name): 'OK Log: Coordination-Free Logging' is a title with a subtitle."""
    m = NAME_COLON.match(_normalise(text))
    if not m:
        return None
    names = split_names(m.group("who"))
    if not names or not all(person(n) for n in names):
        return None
    return m.group("title").strip(" \"“”"), [(n, "") for n in names]


def _known_names_first(text: str, person: Callable[[str], bool]) -> tuple[str, list[tuple[str, str]]] | None:
    """'Jane Doe — Title' in a heading, when the names are people's (known given names): a heading
    'Queues Everywhere — A Field Guide' is a title and its subtitle."""
    parsed = parse_name_first(text)
    if not parsed or not all(person(n) for n, _ in parsed[1]) or person(parsed[0]):
        return None
    return parsed


def parse_affiliation_line(text: str) -> list[tuple[str, str]] | None:
    """'Jane Doe, John Roe, Uber' or 'Jane Doe (Uber)' -> [(name, org), ...]; None otherwise. Speakers of
    several organisations come in groups, as organisers' programs write them: 'Jane Doe, Jeli, and
    John Roe, Netflix', 'Jane Doe and Max Muster, Uber; John Roe, Lyft'."""
    text = _normalise(text)
    groups = [g for g in AFFILIATION_GROUPS.split(text) if g.strip()]
    if len(groups) >= 2:
        parsed = [_affiliation_group(g) for g in groups]
        if all(p and not re.fullmatch(NAME, p[0][1]) for p in parsed):
            return [pair for p in parsed if p for pair in p]
    return _affiliation_group(text)


NAME_SUFFIX = re.compile(r"(?:Ph\.?\s?D|M\.?D|MBA|M\.?Sc|B\.?Sc|Jr|Sr|II|III|IV)\.?")
AFFILIATION_GROUPS = re.compile(r",\s+and\s+|\s*;\s*")


def _affiliation_group(text: str) -> list[tuple[str, str]] | None:
    """One organisation's speakers: 'Jane Doe, John Roe, Uber', 'Jane Doe and John Roe, Uber', 'Jane Doe (Uber)'."""
    m = re.fullmatch(rf"(?P<who>{NAMES})\s*\((?P<org>[^()]{{2,60}})\)", text)
    if m:
        return [(n, m.group("org").strip()) for n in split_names(m.group("who"))]
    # "Laura Maguire, PhD, Jeli": a degree or generational suffix belongs to the name before it
    parts = [p.strip() for p in text.split(",") if p.strip() and not NAME_SUFFIX.fullmatch(p.strip())]
    if len(parts) < 2 or len(text) > 160:
        return None
    if ORG_SUFFIX.match(parts[-1]) and len(parts) >= 3:
        parts = parts[:-2] + [f"{parts[-2]}, {parts[-1]}"]
    org, names = parts[-1], [n for part in parts[:-1] for n in split_names(part)]  # "A and B, Org"
    if not names or not all(re.fullmatch(NAME, n) for n in names) or len(org.split()) > 6 or not org[:1].isupper():
        return None
    return [(n, org) for n in names]


WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
# "Day 2", "Day two: keynotes", "Track 3 — Observability", "Part II"
NUMBERED_PART = re.compile(r"^(?:day|track|room|part|hall|stage)\s+(?:\d{1,2}|one|two|three|four|five|[ivx]{1,4})\b", re.I)
# "Tuesday", "Tuesday, 7 October", "Wed 8th Oct (afternoon)", "7 October 2025", "October 7"
DATE_WORDS = re.compile(rf"^(?:{WEEKDAY}|{MONTH}|morning|afternoon|evening|day|and|the|of|st|nd|rd|th)$", re.I)


def context_heading(text: str) -> bool:
    """A day, date, track or part heading: context for the talks under it, never a talk itself."""
    text = text.strip()
    if NUMBERED_PART.match(text):
        return True
    words = re.findall(r"[^\W\d_]+", text)
    return bool(words) and len(words) <= 5 and all(DATE_WORDS.match(w) for w in words) and bool(
        re.match(rf"(?:{WEEKDAY}|{MONTH}|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH})\b", text, re.I))


def _talk_heading(text: str) -> bool:
    text = text.strip()
    return bool(text) and not GENERIC_HEADINGS.fullmatch(text) and not context_heading(text) and len(text) <= 200


# A heading that tells a story rather than names a talk: the writer in it, a conjunction leading it,
# an ellipsis or an exclamation ending it ("So I prepared my talk...", "And off I went...", "Thank you!")
NARRATIVE = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|[Mm]y|me|[Ww]e|[Oo]ur|us)\b"
                       r"|^(?:[Aa]nd|[Bb]ut|[Ss]o|[Tt]hen|[Nn]ow|[Ff]inally|[Aa]lso)\b|(?:\.\.\.|…|!)\s*$")


def _narrative(heading: str) -> bool:
    return bool(NARRATIVE.search(heading.strip()))


ABSTRACT = re.compile(r"(?:(?:my\s+|the\s+)?(?:talk|session|presentation)(?:'s)?\s+)?(?:short\s+|long\s+|brief\s+|full\s+)?"
                      r"(?:abstract|description)", re.I)


def split_by_headings(blocks: list[Block], person: Callable[[str], bool] = lambda _: False) -> list[Section] | None:
    """Split at the highest heading level (h2-h4) that holds at least two talk-like headings.
    A page with one "Abstract" heading documents one talk (its other headings are its parts)."""
    # The page's own title is its first <h1>; some editors (Medium's among them) give every section
    # of the post an <h1> too, and then those are the headings to split at
    titled = bool(blocks) and blocks[0].kind == "heading" and blocks[0].level == 1
    body = blocks[1:] if titled else blocks
    levels: tuple[int, ...] = (1, 2, 3, 4)
    h1s = Counter(b.text.strip().casefold() for b in body if b.kind == "heading" and b.level == 1)
    # ... each its own: one text over and over ("SREcon" atop every embedded post) is not a talk
    if sum(1 for text, n in h1s.items() if n == 1 and _talk_heading(text)) < 2 or max(h1s.values()) > 1:
        body = [b for b in body if not (b.kind == "heading" and b.level == 1)]
        levels = (2, 3, 4)
    if sum(1 for b in body if b.kind == "heading" and ABSTRACT.fullmatch(b.text.strip(" :"))) == 1:
        return None
    for level in levels:
        heads = [b for b in body if b.kind == "heading" and b.level == level and _talk_heading(b.text)]
        if len(heads) < 2:
            continue
        if sum(_narrative(b.text) for b in heads) * 2 >= len(heads):
            continue  # "So I prepared my talk...", "And off I went...": the chapters of one story, not talks
        sections: list[tuple[Section, list[Block]]] = []
        current: list[Block] | None = None
        for b in body:
            if b.kind == "heading" and b.level <= level:
                if b.level == level and _talk_heading(b.text):
                    parsed = (_known_names_first(b.text, person) or parse_title_line(b.text)
                              or parse_title_brackets(b.text) or parse_name_colon_title(b.text, person))
                    title, people = parsed if parsed else (b.text, [])
                    if not parsed and (named := _speaker_heading(b.text, person)):
                        title, people = "", named  # "Jane Doe (Uber)" over the talk: its title comes next
                    current = []
                    sections.append((Section(heading=b.text, anchor=b.anchor, title=title, people=people), current))
                else:
                    current = None  # a generic or higher heading closes the talk
                continue
            if current is not None:
                current.append(b)
        talks: list[Section] = []
        for sec, under in sections:
            # a section whose body is a table of talks, or titles each with a speaker line, holds
            # talks ("Verified reserves", "Keynotes"): they are the talks, its heading their context
            # so does a heading with no text of its own over sub-headings (a theme such as
            # "Observability" over its talks); sub-headings after a talk's own text are its parts
            themed = (split_by_headings(under, person) if under and under[0].kind == "heading"
                      else split_by_talk_list(under) if under and all(u.tag == "li" or _bracketed_speakers(u)
                                                                       for u in under) else None)
            talks += (split_by_talk_table(under) or split_by_title_speaker_pairs(under, person, least=1)
                      or themed or ([_filled(sec, under)] if under else []))
        if len(talks) >= 2:
            return talks
    return None


def _speaker_heading(text: str, person: Callable[[str], bool]) -> list[tuple[str, str]] | None:
    """A heading that names the speakers only ('Jane Doe (Uber)', 'Jane Doe and John Roe, Uber')."""
    people = parse_affiliation_line(text)
    return people if people and all(person(n) for n, _ in people) else None


def _filled(section: Section, blocks: list[Block]) -> Section:
    section.blocks = [b.text for b in blocks]
    if not section.title and section.people and blocks and blocks[0].kind == "text" \
            and _title_like(blocks[0].text.strip(" \"“”")):
        section.title = blocks[0].text.strip(" \"“”")  # the line under a speaker heading
    if section.title:
        section.title = next((full for b in blocks[:2] for full in b.links if _extends(section.title, full)),
                             section.title)
    return section


SUBTITLE = re.compile(r"^\s*(?::|\s[-–—])\s*\S+\s+\S+")
FULL_TITLE_CHARS = 200


def _extends(short: str, full: str) -> bool:
    """Whether a link's text is the talk's full title of which a heading gives the start: the heading
    "The Production Engineering Lifecycle" and, in the text under it, a link to the talk reading
    "The Production Engineering Lifecycle: How We Build, Run, and Disband …"."""
    head = short.strip().rstrip(".:").casefold()
    return (len(full) <= FULL_TITLE_CHARS and len(head) >= 8 and full.casefold().startswith(head)
            and bool(SUBTITLE.match(full[len(head):])))


# "Title - what the writer made of it", "Title : This talk by …", "Title. This talk was presented by …"
LEAD_ITEM = re.compile(
    r"^(?P<title>[^\s].{4,140}?)(?:\s[-–—]\s|\s:\s|\.\s(?=(?:This|The)\s+(?:talk|session|presentation|keynote)\b))"
    r"\s*(?P<rest>\S.{15,})$", re.S)


TALK_SAID = re.compile(r"(?:this|the)\s+(?:talk|session|presentation|keynote)\b", re.I)
LEAD_ITEMS_SHARE = 1 / 3  # "Title - notes" items start talks only when they are this share of the list items


# "The next talk, by Jane Doe, was Queues Everywhere.", "… a talk called “Queues Everywhere” …"
STATED_TITLE = re.compile(
    r"\b(?:talk|keynote|session|presentation)(?:[^.;!?\"“]{0,60}?\s(?:called|titled|named|entitled))?\s*[:,]?\s*"
    r"[\"“](?P<quoted>[^\"“”]{6,120})[\"”]"
    r"|\b(?:talk|keynote|session|presentation)\b[^.;!?]{0,80}?\b(?:was|titled|called|named|entitled)\s+"
    r"(?P<named>[A-Z][^.;!?]{3,110}?)(?=[.;!?]|,\s+(?![A-Z])|\s+(?:by|from|and|which|where|who)\b|$)")


def stated_title(sentence: str) -> str | None:
    """The talk title a sentence of prose states, in quotes or after 'the talk … was/called': None when
    it states none that has a title's shape."""
    for m in STATED_TITLE.finditer(sentence):
        title = (m.group("quoted") or m.group("named") or "").strip(" ,:")
        if _title_like(title):
            return title
    return None


def _title_like(text: str) -> bool:
    """A talk title's shape: a short phrase, mostly capitalised, not a sentence."""
    words = text.split()
    if not 2 <= len(words) <= 16 or not text[:1].isupper() or text.rstrip()[-1:] in ".!?,;":
        return False
    return _capitalised_share(text) >= 0.5


def _capitalised_share(text: str) -> float:
    """The share of a text's longer words that are capitalised: high in a title, low in prose."""
    long_words = [w for w in text.split() if len(w) > 3]
    return sum(w[:1].isupper() for w in long_words) / len(long_words) if long_words else 0.0


# What follows a bold lead that is the item's title: ": notes", " - notes", ". This talk …"
AFTER_LEAD = re.compile(r"^(?:\s*[:–—-]\s|\.\s(?=(?:This|The)\s+(?:talk|session|presentation|keynote)\b))\s*\S.{15,}$",
                        re.S)


def parse_lead_item(text: str, lead: str = "") -> str | None:
    """The title a list item opens with ("Title - notes", "<b>Title</b>: This talk by …"); None otherwise.

    A bold lead is the title wherever its item goes on after it; a title with a colon of its own
    ("OK Log: Coordination-Free Logging: notes") is whole only that way."""
    rest = text[len(lead):] if lead and text.startswith(lead) else ""
    if rest and (AFTER_LEAD.match(rest) or lead.rstrip().endswith(":") and len(rest.strip()) >= 15):
        # "<b>Title</b>: notes", "<b>Title:</b> notes"
        text = lead.rstrip(" :") + " : " + rest.lstrip(" :–—-")
    m = LEAD_ITEM.match(_normalise(text))
    if not m:
        return None
    title = m.group("title").strip(" \"“”*")
    # "Title : This talk was by …" says it is a talk, whatever the title's capitals
    said = TALK_SAID.match(m.group("rest")) and 2 <= len(title.split()) <= 20 and title[:1].isupper()
    return title if said or _title_like(title) else None


def _list_talk(b: Block, nxt: Block | None, under_context: bool) -> tuple[Section | None, bool]:
    """The talk a list item starts, if it starts one, and whether it took the next item too
    (a 'Speaker, Company' item under a title item)."""
    people = _lead_speakers(b)
    if people:  # "<b>Title</b> — Jane Doe (Uber): notes": bold is the title
        title = b.lead.strip(" \"“”")
        return Section(heading=title, anchor=b.anchor, title=title, people=people, blocks=[b.text]), False
    parsed = parse_name_first(b.text) or parse_title_line(b.text)
    if parsed:
        return Section(heading=parsed[0], anchor=b.anchor, title=parsed[0], people=parsed[1], blocks=[b.text]), False
    if nxt is not None and nxt.tag == "li" and len(b.text.split()) >= 2:
        people = parse_affiliation_line(nxt.text)
        if people and parse_affiliation_line(b.text) is None:
            title = b.text.strip(" \"“”")
            return Section(heading=title, anchor=b.anchor, title=title, people=people, blocks=[b.text, nxt.text]), True
    people = _bracketed_speakers(b)
    if people:
        title = _bracketed_title(b).strip(" \"“”")
        return Section(heading=title, anchor=b.anchor, title=title, people=people, blocks=[b.text]), False
    lead = parse_lead_item(b.text, b.lead)
    if lead:
        return Section(heading=lead, anchor=b.anchor, title=lead, blocks=[b.text], lead=True), False
    if under_context and len(b.text.split()) >= 6:
        return Section(anchor=b.anchor, blocks=[b.text]), False
    return None, False


BRACKETED_SPEAKERS = re.compile(r"^\s*\((?P<who>[^()]{3,80})\)\s*[.:–—-]\s*\S")
TITLE_THEN_BRACKETS = re.compile(r"^(?P<title>[^()]{4,140}?)\s*(?=\()")


def _lead_paragraph(b: Block) -> bool:
    """'<p><b>Title</b>: notes</p>', '<p><b>Title</b> – notes</p>': a paragraph opening with a bold
    title; '<p>“Title” by Jane Doe (Uber)</p>': a paragraph that is a title line."""
    if b.tag != "p":
        return False
    line = parse_title_line(b.text)
    if line and _title_like(line[0].strip(" \"“”")):
        return True
    return bool(b.lead) and not GENERIC_HEADINGS.fullmatch(b.lead.strip(" :")) and parse_lead_item(b.text, b.lead) is not None


def _bracketed_title(b: Block) -> str:
    """The title before '(Jane Doe, Uber): notes' in an item: its bold lead, or the words before the brackets."""
    if b.lead and b.text.startswith(b.lead):
        return b.lead
    m = TITLE_THEN_BRACKETS.match(b.text)
    return m.group("title") if m else ""


# After a bold title: " — Jane Doe (Uber): notes", " by Jane Doe, Uber. Notes", " - Jane Doe and John Roe: notes"
LEAD_SPEAKERS = re.compile(
    rf"^\s*(?:[–—-]|by|,\s*by)\s+(?P<who>{NAMES}(?:\s*\([^()]{{2,60}}\)|,\s*[A-Z][^:.;,()]{{1,40}})?)"
    rf"\s*(?:[:.;]\s|\s[–—-]\s|$)")


MEDIA_WORD = re.compile(r"slides?|video|recording|notes|abstract|deck", re.I)


def _lead_speakers(b: Block) -> list[tuple[str, str]] | None:
    """'<b>Title</b> — Jane Doe (Uber): notes', '<b>Title</b> by Jane Doe. Notes': the speakers right
    after a bold title (what is bold is the title, whichever side the names are on)."""
    if not b.lead or not b.text.startswith(b.lead) or not _title_like(b.lead.strip(" \"“”")):
        return None
    rest = b.text[len(b.lead):]
    m = LEAD_SPEAKERS.match(rest)
    if m:
        who = m.group("who")
    else:
        # "<b>Title</b> <em>Jane Doe &amp; John Roe</em> Slides here": the names in italics right after
        # the title, or alone up to the talk's media ("… Jane Doe Slides here") or the block's end
        words = rest.split()
        upto = next((i for i, w in enumerate(words) if MEDIA_WORD.fullmatch(w.strip(".:,"))), len(words))
        bare = " ".join(words[:upto])
        who = next((e for e in b.emphasis if rest.lstrip().startswith(e)), "") or (bare if upto <= 8 else "")
        if not who:
            return None
    people = parse_affiliation_line(who)
    if people:
        return people
    names = split_names(who)
    return [(n, "") for n in names] if names and all(re.fullmatch(NAME, n) for n in names) else None


def _bracketed_speakers(b: Block) -> list[tuple[str, str]] | None:
    """'<b>Title</b> (Jane Doe, Uber): notes', 'Title (Jane Doe, Uber). Notes': the speakers in
    brackets after a title; or right after a bold title ('<b>Title</b> — Jane Doe (Uber): notes')."""
    after_lead = _lead_speakers(b)
    if after_lead:
        return after_lead
    title = _bracketed_title(b)
    if not title or not _title_like(title.strip(" \"“”")):
        return None
    m = BRACKETED_SPEAKERS.match(b.text[len(title):])
    return parse_affiliation_line(m.group("who")) if m else None


TITLE_COLUMNS = {"talk", "talks", "title", "talk title", "session", "presentation"}
SPEAKER_COLUMNS = {"speaker", "speakers", "speaker(s)", "presenter", "presenters", "by", "who"}


def split_by_talk_rows(blocks: list[Block], person: Callable[[str], bool]) -> list[Section] | None:
    """Split at the rows of a table of talks without a header: each row holds a title-like line and,
    after it (in the same cell or the next), a line of its speakers; the rest of the row is its notes.
    At least two such rows."""
    sections: list[Section] = []
    for b in blocks:
        if b.tag != "tr" or not b.cells:
            continue
        lines = [line for cell in b.cells for line in cell if line.strip()]
        for i, line in enumerate(lines[1:], 1):
            people = speaker_line(line, person)
            title = _normalise(lines[i - 1]).strip(" *_\"“”")
            if people and _title_like(title) and not GENERIC_HEADINGS.fullmatch(title):
                notes = [text for j, text in enumerate(lines) if j not in (i - 1, i)]
                sections.append(Section(heading=title, anchor=b.anchor, title=title, people=people,
                                        blocks=[line, *notes], row=True))
                break
    return sections if len(sections) >= 2 else None


def split_by_talk_table(blocks: list[Block]) -> list[Section] | None:
    """Split at the rows of a table of talks: a header row with a title column ("Talk", "Title")
    and a speaker column; each row below it is a talk, its speakers from that column."""
    sections: list[Section] = []
    columns: tuple[int, int] | None = None
    for b in blocks:
        if b.tag == "th":
            cols = [c.strip().lower() for c in b.text.split(" | ")]
            title = next((i for i, c in enumerate(cols) if c in TITLE_COLUMNS), None)
            speaker = next((i for i, c in enumerate(cols) if c in SPEAKER_COLUMNS), None)
            columns = (title, speaker) if title is not None and speaker is not None else None
        elif b.tag == "tr" and columns:
            cells = [c.strip() for c in b.text.split(" | ")]
            if max(columns) < len(cells) and cells[columns[0]]:
                who = cells[columns[1]]
                people = parse_affiliation_line(who) or [(n, "") for n in split_names(re.sub(r"\([^()]*\)", "", who))]
                sections.append(Section(heading=cells[columns[0]], title=cells[columns[0]], people=people,
                                        blocks=[b.text], row=True))
        else:
            columns = None
    return sections if len(sections) >= 2 else None


# "Tuesday, 14:15–15:00", "10:30 - 11:15", "9:00am": when a talk was, context rather than a talk
TIME_SLOT = re.compile(rf"^(?:(?:{WEEKDAY}|{MONTH})[\w ,.]*?\s*)?\d{{1,2}}[:.]\d\d\s*(?:[ap]\.?m\.?)?"
                       r"(?:\s*[-–—]\s*\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\.?)?)?(?:\s*\(.{0,40}\))?$", re.I)
NAMES_ONLY_WORDS = 12


def speaker_line(text: str, person: Callable[[str], bool]) -> list[tuple[str, str]] | None:
    """The (speaker, affiliation) pairs of a line that is only speakers: "Jane Doe, Uber",
    "Jane Doe (Uber)", "Jane Doe and John Roe"; None for anything else. A line of bare names needs
    each to be a person's (`person`): "Queues That Never Drain" has a name's shape."""
    text = _normalise(text).strip(" *_")
    if not text or len(text.split()) > NAMES_ONLY_WORDS + 6 or text[-1:] in ".!?:":
        return None
    people = parse_affiliation_line(text)
    if people and all(person(n) or re.fullmatch(NAME, n) for n, _ in people):
        return people
    names = split_names(text)
    if names and len(text.split()) <= NAMES_ONLY_WORDS and all(re.fullmatch(NAME, n) and person(n) for n in names):
        return [(n, "") for n in names]
    return None


def split_by_title_speaker_pairs(blocks: list[Block], person: Callable[[str], bool], least: int = 2
                                 ) -> list[Section] | None:
    """Split where a title-like line is followed by a line of its speakers (two paragraphs, or two
    lines of one broken by <br>): the shape of a talk whatever the markup. A time slot before the
    title is context. At least `least` such pairs."""
    sections: list[Section] = []
    current: Section | None = None
    texts = [b for b in blocks if b.kind == "text" and b.tag not in ("th", "tr")]
    i = 0
    while i < len(texts):
        b = texts[i]
        nxt = texts[i + 1] if i + 1 < len(texts) else None
        title = _normalise(b.text).strip(" *_\"“”")
        people = speaker_line(nxt.text, person) if nxt is not None and _title_like(title) else None
        if nxt is not None and people and not GENERIC_HEADINGS.fullmatch(title) and not context_heading(title):
            current = Section(heading=title, anchor=b.anchor, title=title, people=people, blocks=[nxt.text])
            sections.append(current)
            i += 2
            continue
        if current is not None and not TIME_SLOT.match(b.text.strip()):
            current.blocks.append(b.text)
        i += 1
    return sections if len(sections) >= least else None


def split_by_terms(blocks: list[Block]) -> list[Section] | None:
    """Split at the terms of a definition list (<dt> title, <dd> notes) when two or more are titles."""
    sections: list[Section] = []
    current: Section | None = None
    for b in blocks:
        if b.tag == "dt" and _title_like(b.text.strip(" \"“”")):
            parsed = parse_title_line(b.text) or parse_title_brackets(b.text) or parse_name_first(b.text)
            title, people = parsed if parsed else (b.text.strip(" \"“”"), [])
            current = Section(heading=b.text, anchor=b.anchor, title=title, people=people)
            sections.append(current)
        elif b.kind == "heading":
            current = None
        elif current is not None:
            current.blocks.append(b.text)
    talks = [s for s in sections if s.blocks]
    return talks if len(talks) >= 2 else None


SIBLING_TALKS_SHARE = 0.6  # "Title - notes" items among their siblings that make the list one of talks
SIBLING_TALKS_LEAST = 3


def _talk_item_shapes(blocks: list[Block]) -> set[str]:
    """The list shapes ("ul1") whose items are talks: most of them open with a talk's title
    ("Title - notes"), so their siblings of a sentence or more are talks the writer did not
    title ("The Openresty talk, from Shopify, …"). Nested items and other lists stay notes."""
    items: dict[str, list[bool]] = {}
    for b in blocks:
        if b.kind == "text" and b.tag == "li" and b.shape:
            items.setdefault(b.shape, []).append(parse_lead_item(b.text, b.lead) is not None)
    return {shape for shape, leads in items.items()
            if sum(leads) >= SIBLING_TALKS_LEAST and sum(leads) >= SIBLING_TALKS_SHARE * len(leads)}


def split_by_talk_list(blocks: list[Block]) -> list[Section] | None:
    """Split at list items that name talks: 'Title by Speaker', a title then a 'Speaker, Company'
    item, 'Title - notes' items; under a day or track heading, every list item of a sentence or
    more is a talk (notes taken one bullet per talk). Items that name no talk belong to the one
    before (its nested notes)."""
    sections: list[Section] = []
    current: Section | None = None
    under_context = False  # the last heading was a day, date or track heading
    talk_shapes = _talk_item_shapes(blocks)
    i = 0
    while i < len(blocks):
        b = blocks[i]
        i += 1
        if b.kind == "heading":
            under_context, current = context_heading(b.text), None
            continue
        if b.tag != "li" and not _bracketed_speakers(b) and not _lead_paragraph(b):
            if current is not None and current.para:
                current.blocks.append(b.text)  # notes after a talk's own paragraph are its notes
            else:
                current = None  # a paragraph after the list ends the last talk's notes
            continue
        nxt = blocks[i] if i < len(blocks) and blocks[i].kind == "text" else None
        talk, took_next = _list_talk(b, nxt, under_context or b.shape in talk_shapes)
        if talk is not None:
            talk.para = b.tag != "li"
            sections.append(talk)
            current = talk
            i += took_next
        elif current is not None:
            current.blocks.append(b.text)
    lead_items = sum(s.lead for s in sections)
    if lead_items and (lead_items < 2 or lead_items < LEAD_ITEMS_SHARE * sum(b.tag == "li" for b in blocks)):
        # "Title - notes" items scattered through notes are remarks inside one talk's notes, not
        # a list of talks: drop the sections they started
        sections = [s for s in sections if not s.lead]
    return sections if len(sections) >= 2 else None


# A paragraph that opens by moving on to a talk: "The next talk, by …", "After lunch, the keynote by …",
# "In the closing keynote, …", "Another talk I liked was …"
TALK_OPENER = re.compile(
    r"^(?:(?:after\s+(?:lunch|that|the\s+break),?\s+)?the\s+(?:next|first|second|third|fourth|last|final|"
    r"closing|opening|afternoon|morning)\s+(?:talk|keynote|session|presentation|plenary)"
    r"|(?:in|at)\s+the\s+(?:next|closing|opening|final)\s+(?:talk|keynote|session)"
    r"|another\s+(?:talk|session|keynote)\s+(?:I|that|which|worth))\b", re.I)


def split_by_lead_paragraphs(blocks: list[Block], introduces: Callable[[str], str | None]) -> list[Section] | None:
    """Split where paragraphs open by naming a talk's subject (a company or speaker).

    `introduces(paragraph)` returns the subject a paragraph opens with, or None. Needs three
    or more such paragraphs with distinct subjects, so a post that names one company twice is
    not cut in two.
    """
    if any(b.kind == "heading" and b.level >= 2 for b in blocks):
        return None
    sections: list[Section] = []
    subjects: list[str] = []
    current: Section | None = None
    for b in (b for b in blocks if b.kind == "text"):
        if TALK_OPENER.match(b.text):
            # "The next talk, by Jane Doe from Uber, …": a recap in prose moves on to another talk
            current = Section(heading="", anchor=b.anchor, blocks=[b.text])
            sections.append(current)
            continue
        subject = introduces(b.text)
        if subject and subject not in subjects:
            subjects.append(subject)
            current = Section(heading="", anchor=b.anchor, blocks=[b.text], subject=subject)
            sections.append(current)
        elif current is not None:
            current.blocks.append(b.text)
    return sections if len(sections) >= 3 else None


NUMBERED = re.compile(r"^\s*(?P<n>\d{1,2})[.)]\s+(?=\S)")
NUMBERED_RUN = 3


def _numbered_as_items(blocks: list[Block]) -> list[Block]:
    """Paragraphs numbered 1., 2., 3. … in a row are the items of a list the writer typed by hand."""
    out = list(blocks)
    i = 0
    while i < len(out):
        run = i
        while run < len(out) and out[run].tag == "p" and (m := NUMBERED.match(out[run].text)) \
                and int(m.group("n")) == run - i + 1:
            run += 1
        if run - i >= NUMBERED_RUN:
            for j in range(i, run):
                text = NUMBERED.sub("", out[j].text, count=1)
                out[j] = replace(out[j], tag="li", text=text, lead=out[j].lead if text.startswith(out[j].lead) else "")
        i = max(run, i + 1)
    return out


BOLD_HEADING_WORDS = 16


def _bold_paragraphs_as_headings(blocks: list[Block]) -> list[Block]:
    """Paragraphs that are wholly bold and shaped like a title, two or more of them each followed by
    text, are the headings the writer made by hand (a bold line above each talk's notes) on a page
    whose own headings are none, or only days and dates: they become headings one level under those."""
    def bold_title(i: int) -> bool:
        b = blocks[i]
        return (b.kind == "text" and b.tag == "p" and bool(b.lead) and b.lead.strip(" :") == b.text.strip(" :")
                and len(b.text.split()) <= BOLD_HEADING_WORDS and _title_like(b.text.strip(" :\"“”"))
                and not GENERIC_HEADINGS.fullmatch(b.text.strip()) and parse_affiliation_line(b.text) is None
                and i + 1 < len(blocks)
                and blocks[i + 1].kind == "text" and not (blocks[i + 1].lead and blocks[i + 1].lead == blocks[i + 1].text))
    marked = [i for i in range(len(blocks)) if bold_title(i)]
    if len(marked) < 2 or any(b.kind == "heading" and b.level >= 2 and _talk_heading(b.text) for b in blocks):
        return blocks  # real headings that can be talks or themes come first; bold lines under them are read there
    levels = [b.level for b in blocks if b.kind == "heading" and b.level >= 2]
    level = max(levels, default=1) + 1
    if level > 4:
        return blocks
    out = list(blocks)
    for i in marked:
        out[i] = replace(out[i], kind="heading", level=level, tag=f"h{level}", text=out[i].text.strip(" :"), lead="")
    return out


def segment(blocks: list[Block], introduces: Callable[[str], str | None],
            person: Callable[[str], bool] = lambda _: False) -> tuple[list[Section], str]:
    """Sections of a page and how they were found: "headings", "list", "table", "terms", "pairs",
    "paragraphs" or "single". `person(name)`: whether a name is a person's (a known given name)."""
    blocks = _bold_paragraphs_as_headings(_numbered_as_items(blocks))
    by_head = split_by_headings(blocks, person)
    by_list = split_by_talk_list(blocks)
    if by_list and (not by_head or len(by_list) > len(by_head)):
        return by_list, "list"
    if by_head:
        return by_head, "headings"
    by_table = split_by_talk_table(blocks) or split_by_talk_rows(blocks, person)
    if by_table:
        return by_table, "table"
    by_terms = split_by_terms(blocks)
    if by_terms:
        return by_terms, "terms"
    by_pairs = split_by_title_speaker_pairs(blocks, person)
    if by_pairs:
        return by_pairs, "pairs"
    by_para = split_by_lead_paragraphs(blocks, introduces)
    if by_para:
        return by_para, "paragraphs"
    heading = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    return [Section(heading=heading, blocks=[b.text for b in blocks if b.kind == "text"])], "single"
