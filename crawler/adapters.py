"""Organiser-site adapters: pages recognised by their structure and read field by field, where the
generic content reader of `extract` would only see a blog post.

An adapter is a function `(doc, page, base) -> bool` (`Adapter`). `extract` calls it after the
page's metadata and links are read, with the parsed page (`Doc`), the `Page` filled so far and the
base URL for the page's relative links (its `<base href>`, else its URL):
  * a page it recognises, it reads into `page` (blocks, talk_title, speakers, conference_hint,
    date, room, media, page_type) and returns True: extraction is done, the generic reader and
    the adapters after it do not run;
  * any other page, it leaves alone and returns False. It may still set `page.page_type` (a
    program or a plain page of its site, recognised by structure): the generic reader then runs
    and keeps that type (it only refines the default, "article").
`ADAPTERS` is tried in order, the first that returns True wins; when none does, the generic
content reader runs.

To add an adapter (one module change, this one):
  1. write the function here, reading the page with `srefind.crawler.html` (`text_of`, `clean`,
     `first_with_class`, ...: never lxml's own text methods, whose output differs) and recognising
     the page by its structure, not its URL;
  2. add it to `ADAPTERS` (before an adapter that would claim the same pages);
  3. add a test page, in your own words, under tests/fixtures/ (its structure as the site has it,
     its text written anew) and a test in tests/test_extract.py that extracts it and checks the fields.
This module is one of `srefind.pipeline.ANALYSIS_MODULES`: a change here re-analyses stored pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from srefind.models import Block, Media, Page, Person

from .html import (
    CLASS_CANDIDATES,
    Doc,
    Element,
    blocks_of,
    child_nodes,
    classes,
    clean,
    first_with_class,
    first_with_id,
    has_class,
    iso_date,
    text_of,
)
from .urls import normalize

# Reads a page it recognises by structure into `page` and returns True; else returns False, having
# perhaps set page.page_type. Arguments: the parsed page, the Page so far, the base URL of its links.
Adapter = Callable[[Doc, Page, str], bool]


# -- organiser pages (Drupal, as usenix.org) --------------------------------------------------------

def _drupal_people(field: Element) -> list[Person]:
    """'Name, <em>Affiliation</em>; A and B, <em>Other</em>' -> people with affiliations."""
    people: list[Person] = []
    for p in list(field.iterdescendants("p", "div")) or [field]:
        if next(p.iterdescendants("p"), None) is not None:
            continue
        names: list[str] = []
        for node in child_nodes(p):
            if not isinstance(node, str) and node.tag in ("em", "i"):
                aff = clean(text_of(node))
                people.extend(Person(n, aff) for n in names)
                if not names and aff:
                    people.append(Person("", aff))
                names = []
            else:
                text = node if isinstance(node, str) else text_of(node)
                for part in re.split(r";|,|\band\b", text):
                    part = clean(part)
                    if part:
                        names.append(part)
        people.extend(Person(n) for n in names)
    return people


def _fields(paper: Element) -> dict[str, Element]:
    """A Drupal node's fields by name (`field-name-X` -> its element), the first of each in document order."""
    out: dict[str, Element] = {}
    for el in CLASS_CANDIDATES(paper, name="field-name-"):
        for c in (el.get("class") or "").split():
            if c.startswith("field-name-"):
                out.setdefault(c[len("field-name-"):], el)
    return out


def _field(fields: dict[str, Element], name: str) -> Element | None:
    el = fields.get(name)
    if el is None:
        return None
    items = first_with_class(el, "field-items")
    return items if items is not None else el


def _drupal_notes(paper: Element) -> list[Block]:
    """Text the node holds outside its known fields (an editor's update note, say): part of the talk page."""
    notes = []
    for child in paper.iterdescendants("p", "div"):
        if any(has_class(a, "field") or has_class(a, "links") for a in (child, *child.iterancestors()) if a is not paper):
            continue
        if next(child.iterdescendants("p", "div"), None) is not None or next(child.iterancestors("ul"), None) is not None:
            continue
        text = clean(text_of(child))
        if text:
            notes.append(Block("text", text, tag=child.tag))
    return notes


def _drupal_node_type(doc: Doc, page: Page) -> None:
    """The page type a Drupal body class (`node-type-X`) gives a node that is not a talk (`paper`)."""
    body = doc.first("body")
    node_type = re.search(r"\bnode-type-([\w-]+)", classes(body) if body is not None else "")
    if node_type and node_type.group(1) != "paper":
        # An organiser site's other nodes: conference overviews and schedules list talks, pages are pages.
        page.page_type = "program" if node_type.group(1) in ("conference", "schedule", "session") else "page"


def drupal_talk(doc: Doc, page: Page, base: str) -> bool:
    """Talk pages in the Drupal style of usenix.org: one `node-paper` that is the page itself.

    Other pages of such a site are typed and left to the generic reader: several papers or a
    session node make a program, another `node-type-X` body class a program or a page."""
    _drupal_node_type(doc, page)
    papers = [el for name in ("article", "div") for el in doc.named(name) if has_class(el, "node-paper")]
    sessions = first_with_class(doc.document, "node-session")
    if len(papers) != 1 or sessions is not None:
        if len(papers) > 1 or sessions is not None:
            page.page_type = "program"
        return False
    paper = papers[0]
    fields = _fields(paper)
    title_el = first_with_id(doc.document, "page-title")
    if title_el is None:
        title_el = first_with_class(paper, "node-title")
    if title_el is None:
        title_el = doc.first("h1")
    page.talk_title = clean(text_of(title_el)) if title_el is not None else page.title
    people = _field(fields, "field-paper-people-text")
    if people is not None:
        page.speakers = _drupal_people(people)
    desc = _field(fields, "field-paper-description")
    if desc is None:
        desc = _field(fields, "field-paper-description-long")
    blocks = [Block("heading", page.talk_title, 1)]
    if desc is not None:
        blocks.extend(blocks_of(desc))
    blocks.extend(_drupal_notes(paper))
    page.blocks = blocks
    conf = _field(fields, "field-presentation-conference")
    if conf is not None:
        page.conference_hint = clean(text_of(conf))
    date_field = fields.get("field-presentation-date")
    when = first_with_class(date_field, "date-display-single") if date_field is not None else None
    if when is not None and not page.date:
        page.date = iso_date(text_of(when))
    room = _field(fields, "field-presentation-location")
    if room is not None:
        page.room = clean(text_of(room))
    for name, kind in (("field-presentation-video", "video"), ("field-final-paper-pdf", "slides"),
                       ("field-presentation-slides", "slides"), ("field-paper-pdf", "slides"),
                       ("field-presentation-audio", "audio")):
        fld = _field(fields, name)
        if fld is not None:
            hrefs = (a.get("href") for a in fld.iterdescendants("a"))
            page.media.extend(Media(kind, u) for u in (normalize(h, base) for h in hrefs if h is not None) if u)
    page.page_type = "talk"
    return True


# The adapters `extract` tries, in order: the first that returns True has read the page.
ADAPTERS: tuple[Adapter, ...] = (drupal_talk,)
