"""Talk segmentation: one entry per talk a page describes.

A write-up covering several talks is split at headings that name talks, or, when it has no
such headings, at paragraphs that each introduce a talk (they open by naming a company or a
speaker, as in a recap with one paragraph per talk). A page that covers one talk is one entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from srefind.models import Block

GENERIC_HEADINGS = re.compile(
    r"(?:presenters?|speakers?|notes?|my notes|slides?|video|recording|summary|tl;?dr|takeaways?|"
    r"key takeaways|key points|highlights|conclusions?|closing thoughts|final thoughts|thoughts|intro(?:duction)?|"
    r"overview|links?|resources|references|further reading|q\s*&\s*a|questions|abstract|about|"
    r"update[sd]?|misc(?:ellaneous)?|other talks|background|context|the problem|problem|solution|"
    r"results?|lessons(?: learned)?|what i learned|learnings|comments?|agenda|day \d+|\w+day|"
    r"morning|afternoon|evening|keynotes?|lightning talks|workshops?|labs?|sessions?|track \d+|"
    r"tools?|outcomes?|why|how|what|details|discussion|recap|wrap[- ]?up|epilogue|prologue|appendix)(?:\s*\d+)?(?:\s*[:.!?].{0,40})?",
    re.I,
)


@dataclass
class Section:
    """A stretch of a page about one talk."""

    heading: str = ""
    anchor: str = ""
    blocks: list[str] = field(default_factory=list)
    subject: str = ""  # the company or speaker the opening paragraph introduces (paragraph splits)


def _talk_heading(text: str) -> bool:
    text = text.strip()
    return bool(text) and not GENERIC_HEADINGS.fullmatch(text) and len(text) <= 200


def split_by_headings(blocks: list[Block]) -> list[Section] | None:
    """Split at the highest heading level (h2-h4) that holds at least two talk-like headings."""
    body = [b for b in blocks if not (b.kind == "heading" and b.level == 1)]
    for level in (2, 3, 4):
        heads = [b for b in body if b.kind == "heading" and b.level == level and _talk_heading(b.text)]
        if len(heads) < 2:
            continue
        sections: list[Section] = []
        current: Section | None = None
        for b in body:
            if b.kind == "heading" and b.level <= level:
                if b.level == level and _talk_heading(b.text):
                    current = Section(heading=b.text, anchor=b.anchor)
                    sections.append(current)
                else:
                    current = None  # a generic or higher heading closes the talk
                continue
            if current is not None:
                current.blocks.append(b.text)
        talks = [s for s in sections if s.blocks]
        if len(talks) >= 2:
            return talks
    return None


def split_by_lead_paragraphs(blocks: list[Block], introduces: Callable[[str], str | None]) -> list[Section] | None:
    """Split where paragraphs open by naming a talk's subject (a company or speaker).

    `introduces(paragraph)` returns the subject a paragraph opens with, or None. Needs three
    or more such paragraphs with distinct subjects, so a post that names one company twice is
    not cut in two.
    """
    texts = [b for b in blocks if b.kind == "text"]
    if any(b.kind == "heading" and b.level >= 2 for b in blocks):
        return None
    sections: list[Section] = []
    subjects: list[str] = []
    current: Section | None = None
    for b in texts:
        subject = introduces(b.text)
        if subject and subject not in subjects:
            subjects.append(subject)
            current = Section(heading="", anchor=b.anchor, blocks=[b.text], subject=subject)
            sections.append(current)
        elif current is not None:
            current.blocks.append(b.text)
    if len(sections) >= 3:
        return sections
    return None


def segment(blocks: list[Block], introduces: Callable[[str], str | None]) -> tuple[list[Section], str]:
    """Sections of a page and how they were found: "headings", "paragraphs" or "single"."""
    by_head = split_by_headings(blocks)
    if by_head:
        return by_head, "headings"
    by_para = split_by_lead_paragraphs(blocks, introduces)
    if by_para:
        return by_para, "paragraphs"
    heading = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    return [Section(heading=heading, blocks=[b.text for b in blocks if b.kind == "text"])], "single"
