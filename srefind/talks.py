"""A talk as srefind shows it on its own page, in its JSON twin and in `srefind talk ID`: the entry,
the write-ups linked to it (or, for a write-up, the official talk it is about), its media and related
talks. One definition, so the page, the API and the CLI say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .backend import SearchBackend
from .models import Hit, TalkEntry, entry_id, nulls_for_missing
from .models import first_lines as snippet

RELATED = 5


@dataclass
class TalkView:
    """What a talk's page shows."""

    entry: TalkEntry
    writeups: list[TalkEntry] = field(default_factory=list)  # for an event's talk: what was written about it
    about: TalkEntry | None = None  # for a linked write-up: the event's own record of the talk
    related: list[Hit] = field(default_factory=list)
    by_speakers: list[Hit] = field(default_factory=list)  # the same speakers' other talks
    by_company: list[Hit] = field(default_factory=list)  # other talks from its first company

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {
            **nulls_for_missing(e.to_dict()),
            "writeups": [writeup_json(w) for w in self.writeups],
            "about": {"id": self.about.id, "title": self.about.title, "url": self.about.url} if self.about else None,
            "related": [h.id for h in self.related],
            "by_speakers": [h.id for h in self.by_speakers],
            "by_company": [h.id for h in self.by_company],
        }


def writeup_json(w: TalkEntry) -> dict[str, Any]:
    """A write-up as a talk lists it: where it is (the exact section), who wrote it, a few lines."""
    return nulls_for_missing({"id": w.id, "url": w.url, "title": w.own_title or w.title, "site": w.site,
                              "author": w.author, "date": w.date, "snippet": snippet(w.summary)})


def talk_view(backend: SearchBackend, talk_id: str) -> TalkView | None:
    """The talk (or write-up entry) with this id, with what its page shows; None when there is none."""
    entry = backend.talk(talk_id)
    if entry is None:
        return None
    view = TalkView(entry)
    if entry.talk_url:
        view.about = backend.talk(entry_id(entry.talk_url))
    else:
        view.writeups = [w for w in backend.writeups(entry.url) if w.id != entry.id]
    # related talks, not this talk again under another page: its record, its write-ups
    same = {entry.id, entry.url, entry.talk_url} | {w.id for w in view.writeups} - {""}
    def other(h: Hit) -> bool:
        return h.id not in same and h.url not in same and (not h.talk_url or h.talk_url not in same)

    if entry.speakers:
        found = backend.search("", {"speaker": list(entry.speakers)}, sort="newest", per_page=RELATED + len(same))
        view.by_speakers = [h for h in found.results if other(h)][:RELATED]
    shown = {h.id for h in view.by_speakers}
    if entry.companies:
        found = backend.search("", {"company": [entry.companies[0]]}, sort="newest",
                               per_page=RELATED + len(same) + len(shown))
        view.by_company = [h for h in found.results if other(h) and h.id not in shown][:RELATED]
        shown |= {h.id for h in view.by_company}
    view.related = [h for h in backend.related(talk_id, RELATED + len(same) + len(shown))
                    if other(h) and h.id not in shown][:RELATED]
    return view


YOUTUBE_ID = re.compile(r"^[\w-]{6,20}$")


def embed_url(video_url: str) -> str:
    """The privacy-enhanced player URL of a YouTube or Vimeo link ("" for other hosts): loaded only when
    the reader asks for it (web/static/srefind.js), never with the page."""
    try:
        parts = urlsplit(video_url)
    except ValueError:
        return ""
    host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
    vid = ""
    if host == "youtube.com" and parts.path == "/watch":
        vid = (parse_qs(parts.query).get("v") or [""])[0]
    elif host == "youtu.be":
        vid = parts.path.strip("/")
    if vid and YOUTUBE_ID.match(vid):
        return f"https://www.youtube-nocookie.com/embed/{vid}"
    if host == "vimeo.com" and parts.path.strip("/").isdigit():
        return f"https://player.vimeo.com/video/{parts.path.strip('/')}"
    return ""
