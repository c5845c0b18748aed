"""Tagging: a crawled Page becomes talk entries (split into talks, titled, attributed, tagged
with companies, topics and the conference), with NLTK and the shipped lexicon.

Import from here: these names are the package's public API; the modules behind them may move.
"""

from .companies import CompanyNames
from .conference import guess_conference, normalize_conference
from .known_talks import KnownTalk, KnownTalks, TalkLink
from .lexicon import load_companies, load_synonyms, load_topics, tagging_files_digest
from .pipeline import Tagger
from .text import sentences, words

__all__ = [
    "CompanyNames", "KnownTalk", "KnownTalks", "TalkLink", "Tagger", "guess_conference", "load_companies",
    "load_synonyms", "load_topics", "normalize_conference", "sentences", "tagging_files_digest", "words",
]
