"""NLTK text primitives shared by the taggers: sentences, tokens, folded words.

Only NLTK code that needs no downloaded model (an untrained Punkt sentence splitter) and a
regular-expression word pattern. Nothing here touches the network.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

# Words keep inner dots, slashes, plus and hyphens so "Jet.com", "CI/CD", "C++", "post-mortem" stay whole.
# (The stdlib engine: NLTK 3.10's RegexpTokenizer runs every match through its ReDoS guard, which
# costs a third of the tagger's time; this pattern is ours and linear, so it needs no guard.)
WORD_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+#/'&-]*[A-Za-z0-9+#]|[A-Za-z0-9]")

_params = PunktParameters()
_params.abbrev_types = {"e.g", "i.e", "etc", "vs", "dr", "mr", "ms", "mrs", "inc", "ltd", "co", "jr", "sr", "st", "fig", "approx"}
SENTENCES = PunktSentenceTokenizer(_params)


# A sentence about a speaker's past (jobs before this one, their studies): "Previously an engineer at X",
# "Before that, she was at Y", "interned at NASA", "holds a bachelor's degree from Z". What it names is
# what the speaker did elsewhere, not what the talk is about or where the speaker is now. Studies and
# internships say so on their own; "previously" or "before that" only in a sentence about a person
# ("Netflix previously ran on …" is about Netflix).
PAST_STUDIES = re.compile(r"\b(?:interned|internship|alumn(?:us|a|i)|bachelor'?s|master'?s|doctoral|ph\.?d"
                          r"|graduated|graduate student|degrees? (?:in|from))\b", re.I)
PAST_JOB = re.compile(r"\b(?:previously|formerly|former|prior to (?:that|this|joining)|before (?:that|this|joining))\b",
                      re.I)
PERSON = re.compile(r"\b(?:he|she|they|his|her|their|I|my|engineer|manager|architect|developer|lead|director"
                    r"|founder|member|researcher|scientist|consultant|professor|sre|chair)s?\b", re.I)


def about_a_past_career(sentence: str) -> bool:
    """Whether a sentence tells what a speaker did before or studied (see PAST_STUDIES, PAST_JOB)."""
    return bool(PAST_STUDIES.search(sentence) or (PAST_JOB.search(sentence) and PERSON.search(sentence)))


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` that holds text[start:end] (split at ". ", as a writer ends sentences)."""
    head = text.rfind(". ", 0, start)
    tail = text.find(". ", end)
    return text[head + 2 if head >= 0 else 0: tail if tail >= 0 else len(text)]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCES.tokenize(text) if s.strip()]


def words(text: str) -> list[str]:
    return WORD_PATTERN.findall(text)


# Scripts written without spaces between words: Han ideographs, kana.
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LETTER_RUN = re.compile(r"[^\W_]+")


def length_in_words(text: str) -> int:
    """How long a text is, in words, whatever its script: a run of letters or digits is a word, and
    in Japanese or Chinese (no spaces between words) two characters are (a usual average)."""
    n = 0
    for run in LETTER_RUN.findall(text):
        unspaced = len(UNSPACED.findall(run))
        n += (unspaced + 1) // 2 + (1 if len(run) > unspaced else 0) if unspaced else 1
    return n


# Words whose singular means something else: "five nines" is availability, "nine hours" is not
NOT_PLURALS = frozenset({"nines", "news", "means", "odds", "series", "species"})


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower-case and fold a plain English plural ("incidents" -> "incident", not "status").

    Gentler than stemming on purpose: Snowball maps "several" and "severity" to one stem.
    """
    w = word.lower().strip(".'")
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ys")) and w.isalpha() \
            and w not in NOT_PLURALS:
        return w[:-3] + "y" if w.endswith("ies") and len(w) > 4 else w[:-1]
    return w


def plain_letters(text: str) -> str:
    """Latin letters without their accents ("naïve" -> "naive", "Coördination" -> "Coordination"),
    so a term matches however a writer spells it; other scripts are left as they are."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded(text: str) -> list[str]:
    return [fold(w) for w in words(plain_letters(text))]


# -- speaker bios ----------------------------------------------------------------------
# Write-ups quote speaker bios: what the speaker did elsewhere is not what the talk is about (topics)
# nor whom it is by (companies), unless the bio says where they work.
_ROLE = (
    r"(?:engineer|sre|manager|architect|lead|developer|director|founder|researcher|scientist"
    r"|consultant|student|cto|ceo|vp|head|advocate|evangelist|author|maintainer|contributor"
    r"|programmer|administrator|sysadmin|professor|specialist|member)s?"
)
_BIO_VERB = (
    r"(?:is|was|has|holds|leads|works|worked|joined|received|spent|started|speaks|spends|served"
    r"|serves|currently|previously|likes|loves|enjoys|lives)"
)
# "She has worked on ...", "At Acme he served as ...", "Previously, ...": about the speaker whatever follows.
SELF_BIO = re.compile(
    r"^(?:(?:At [A-Z][\w.&-]*,? )?(?:He|She|he|she)\s+(?:has|holds|received|spent|served|worked|joined|leads"
    r"|spends|previously|currently|was previously|is currently)\b|Previously\b|Prior to\b)"
)
# "Jane Doe is ...": about the speaker when it also names a role or a career step.
NAMED_BIO = re.compile(rf"^(?:(?:He|She)\s+|(?:[A-Z][\w'’.-]+\s+){{1,3}}){_BIO_VERB}\b")
BIO_MARK = re.compile(
    rf"\b(?:previously|prior to|spare time|before joining|(?:his|her|their) (?:career|master'?s|phd)"
    rf"|bachelor'?s|master'?s|doctoral|degree|graduate student|is (?:an? |the )?(?:[\w-]+ ){{0,4}}{_ROLE}\b)",
    re.I,
)
BIO_ANYWHERE = re.compile(
    r"\b(?:in (?:his|her|their) spare time|out of the office|speaker'?s background|about the speaker"
    r"|introduces (?:self|himself|herself|themselves))\b|^(?:(?:the )?speaker (?:is |was )?)?introduced as\b",
    re.I,
)


def is_bio(sentence: str) -> bool:
    """A speaker-bio sentence ("Jane Doe is a Staff SRE at X", "In his spare time, ...").

    Deliberately narrow: a sentence about what the talk covers ("She showed how ...") stays.
    """
    return bool(
        BIO_ANYWHERE.search(sentence) or SELF_BIO.search(sentence)
        or (NAMED_BIO.search(sentence) and BIO_MARK.search(sentence))
    )
