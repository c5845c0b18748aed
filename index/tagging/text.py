"""NLTK text primitives shared by the taggers: sentences, tokens, folded words.

Only NLTK code that needs no downloaded model: an untrained Punkt sentence splitter, a
regular-expression word tokenizer. Nothing here touches the network.
"""

from __future__ import annotations

from functools import lru_cache

from nltk.tokenize import RegexpTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

# Words keep inner dots, slashes, plus and hyphens so "Jet.com", "CI/CD", "C++", "post-mortem" stay whole.
WORD_TOKENIZER = RegexpTokenizer(r"[A-Za-z0-9][A-Za-z0-9.+#/'&-]*[A-Za-z0-9+#]|[A-Za-z0-9]")

_params = PunktParameters()
_params.abbrev_types = {"e.g", "i.e", "etc", "vs", "dr", "mr", "ms", "mrs", "inc", "ltd", "co", "jr", "sr", "st", "fig", "approx"}
SENTENCES = PunktSentenceTokenizer(_params)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCES.tokenize(text) if s.strip()]


def words(text: str) -> list[str]:
    return WORD_TOKENIZER.tokenize(text)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower-case and fold a plain English plural ("incidents" -> "incident", not "status").

    Gentler than stemming on purpose: Snowball maps "several" and "severity" to one stem.
    """
    w = word.lower().strip(".'")
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ys")) and w.isalpha():
        return w[:-3] + "y" if w.endswith("ies") and len(w) > 4 else w[:-1]
    return w


def folded(text: str) -> list[str]:
    return [fold(w) for w in words(text)]
