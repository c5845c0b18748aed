"""Which SREcon a text is about, normalised to `SREconYY Region` (the evaluation's spelling).

Sources, strongest first: an organiser URL (`/srecon18americas/`), a talk page's conference
field, the title, then the text. Regions are spelled many ways ("SREcon America 2018",
"SREcon Europe 2017", "SREcon EMEA 2025", "SREcon19 Asia/Pacific"); a venue city fills in
a missing region.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

REGION_WORDS = (
    r"Americas?|North\s+America|US|USA|West|EMEA|Europe(?:\s*/\s*Middle\s+East\s*/\s*Africa)?|"
    r"Asia\s*/\s*Pacific|Asia\s*/\s*Australia|Asia[\s-]Pacific|APAC|Asia|Australia"
)
_YY = r"(?:20)?'?(\d\d)\b"
TEXT_PATTERNS = [
    # SREcon18 Americas, SREcon 2018 Americas, SREcon'19 EMEA
    re.compile(rf"\bSRE\s?con\s?{_YY}\s*,?\s*({REGION_WORDS})?\b", re.I),
    # SREcon Americas 2018, SREcon EMEA 2025, SREcon Europe '17
    re.compile(rf"\bSRE\s?con\s+({REGION_WORDS})\s*,?\s*{_YY}", re.I),
]
URL_PATTERN = re.compile(r"srecon[-_]?(\d\d)(?!\d)(?:[-_]?(americas?|emea|europe|asia|apac|us|usa|west))?", re.I)
URL_LOOSE = re.compile(r"srecon[-_/]?(?:(americas?|emea|europe|asia|apac|us|usa)[-_/]?)?(20\d\d)?", re.I)
BARE = re.compile(r"\bSRE\s?con(?=\d|\b|')", re.I)
CITIES = {
    "brooklyn": "Americas", "santa clara": "Americas", "san francisco": "Americas", "burlingame": "Americas",
    "dublin": "EMEA", "amsterdam": "EMEA", "singapore": "Asia", "sydney": "APAC",
}


# Other events talks are given at: a section of a write-up about one of them is not an SREcon talk
# (names only, matched as words; "LISA" only with its year, as it is also a given name)
OTHER_EVENTS = re.compile(
    r"\b(?:Strange\s?Loop|CppCon|NeurIPS|NIPS|KubeCon|CloudNativeCon|Velocity\s+(?:Conf|20\d\d|[A-Z][a-z]+\s+20\d\d)"
    r"|QCon|Monitorama|Percona\s+Live|DevOps\s?Days|FOSDEM|PyCon|re:Invent|GOTO\s?(?:Conf|20\d\d|[A-Z][a-z]+)"
    r"|Craft\s?Conf|DockerCon|HashiConf|GopherCon|OSCON|Open\s+Source\s+Summit|All\s+Things\s+Open"
    r"|Chaos\s?Conf|Failover\s?Conf|o11ycon|RedisConf|AWS\s+Summit|Devoxx|JSConf|RubyConf|LISA\s?'?\d\d"
    r"|OSDI|SOSP|NSDI|USENIX\s+ATC|AI\s+Engineer\s+World'?s\s+Fair|Cloud\s+Next|Google\s+Next|PromCon"
    r"|ObservabilityCON|Observability\s+Summit|SLOconf|LeadDev|InfoQ)\b", re.I)
# "Conference: Strange Loop 2017", "Event: …", "Presented at: …": a talk's own field for its event
EVENT_FIELD = re.compile(r"^\s*(?:conference|event|venue|presented\s+at|given\s+at)\s*[:：]\s*(?P<event>.+)$", re.I)
ELSEWHERE_MENTIONS = 3  # other events named this often, and more often than SREcon, make a section another event's


def about_another_event(lines: list[str]) -> bool:
    """Whether a stretch of a write-up is about a talk at another event: its own event field names
    one that is not SREcon, or it names other events (at least three times) more than SREcon."""
    for line in lines:
        m = EVENT_FIELD.match(line)
        if m:
            return not BARE.search(m.group("event"))
    text = "\n".join(lines)
    others = len(OTHER_EVENTS.findall(text))
    return others >= ELSEWHERE_MENTIONS and others > len(BARE.findall(text))


@dataclass
class ConferenceGuess:
    conference: str = ""  # "SREcon18 Americas", or "" when unknown or several
    year: int | None = None
    mentions: int = 0  # how many times the page names SREcon at all
    evidence: str = ""


def _region(word: str | None, year: int | None) -> str:
    if not word:
        return ""
    w = re.sub(r"\s+", "", word.lower())
    if w in ("america", "americas", "northamerica", "us", "usa", "west"):
        return "Americas"
    if w.startswith("europe/") or w == "emea":
        return "EMEA" if (year or 2018) >= 2018 else "Europe"
    if w == "europe":
        return "Europe" if year and year <= 2017 else "EMEA"
    if w in ("asia/pacific", "asia-pacific", "apac"):
        return "APAC"
    if w in ("asia/australia", "australia"):
        return "Asia/Australia"
    if w == "asia":
        if year and year >= 2019:
            return "APAC"
        return "Asia/Australia" if year == 2018 else "Asia"
    return ""


def _year(two: str | None) -> int | None:
    if not two:
        return None
    n = int(two[-2:])
    return 2000 + n if 14 <= n <= 40 else None


def _name(year: int | None, region: str) -> str:
    if year is None:
        return ""
    if year == 2021 and not region:
        return ""  # SREcon21 was one global, virtual event: no region to name
    return f"SREcon{year % 100:02d} {region}" if region else ""


def normalize_conference(value: str) -> str:
    """One conference as a person types it ("srecon18 americas", "SREcon Europe 2017") in the
    canonical spelling the tagger gives entries; a value it cannot read comes back as given."""
    for pat_i, pat in enumerate(TEXT_PATTERNS):
        m = pat.fullmatch(value.strip())
        if m:
            two, word = (m.group(1), m.group(2)) if pat_i == 0 else (m.group(2), m.group(1))
            year = _year(two)
            return _name(year, _region(word, year)) or value
    return value


def guess_conference(url: str, title: str, text: str, hint: str = "") -> ConferenceGuess:
    """Vote over every SREcon mention; the URL and the organiser's field outrank the text."""
    votes: Counter[tuple[int | None, str]] = Counter()
    guess = ConferenceGuess()
    m = URL_PATTERN.search(url)
    if m:
        y = _year(m.group(1))
        votes[(y, _region(m.group(2), y))] += 5
    else:
        m2 = URL_LOOSE.search(url)
        if m2 and m2.group(0).lower() != "srecon" and m2.group(2):
            y = int(m2.group(2))
            votes[(y, _region(m2.group(1), y))] += 3
    for source, weight in ((hint, 5), (title, 3), (text, 1)):
        if not source:
            continue
        for pat_i, pat in enumerate(TEXT_PATTERNS):
            for mm in pat.finditer(source):
                if pat_i == 0:
                    y = _year(mm.group(1))
                    r = _region(mm.group(2), y)
                else:
                    y = _year(mm.group(2))
                    r = _region(mm.group(1), y)
                if y:
                    votes[(y, r)] += weight
        if source is not hint:
            guess.mentions += len(BARE.findall(source))
    if hint and BARE.search(hint):
        guess.mentions += 1
    if not votes:
        return guess
    # Fold region-less votes into the region-bearing vote of the same year.
    years: Counter[int | None] = Counter()
    for (y, _r), n in votes.items():
        years[y] += n
    year = years.most_common(1)[0][0]
    regions = Counter({r: n for (y, r), n in votes.items() if y == year and r})
    region = regions.most_common(1)[0][0] if regions else ""
    if not region:
        low = (title + " " + text).lower()
        for city, reg in CITIES.items():
            if city in low:
                region = _region(reg, year)
                break
    guess.year = year
    guess.conference = _name(year, region)
    guess.evidence = f"{guess.conference or year} ({sum(votes.values())} votes)"
    return guess
