"""Extraction: HTML bytes -> Page, on the pages the crawler meets (a blog write-up, organiser pages).

Fixtures are in tests/fixtures/: a blog post wrapped in every kind of boilerplate, a talk page and
a program page in the Drupal style of usenix.org.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from srefind.crawler.extract import decode_html, extract
from srefind.models import Media, Person

FIXTURES = Path(__file__).parent / "fixtures"
POST_URL = "http://blog.example/2018/03/29/tracing-at-jet/"
TALK_URL = "https://www.usenix.org/conference/srecon18americas/presentation/fong-jones"
PROGRAM_URL = "https://www.usenix.org/conference/srecon18americas/program"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def page(body: str, *, head: str = "", url: str = "http://blog.example/post/") -> object:
    return extract(url, f"<!DOCTYPE html><html><head><title>t</title>{head}</head><body>{body}</body></html>")


# -- main content --------------------------------------------------------------------------------

def test_main_content_is_the_article_without_header_nav_sidebar_comments_or_footer():
    p = extract(POST_URL, fixture("blog_post.html"))
    text = p.text
    assert text.startswith("SREcon18 Americas: tracing at Jet.com\nAt SREcon18 Americas, two engineers")
    for kept in ("They keep every trace", "Tail sampling for errors", "A trace nobody looks at"):
        assert kept in text
    for dropped in ("Ops Notebook", "Archive", "cookies", "Share on Twitter", "Related posts", "3 comments",
                    "Great write-up", "Popular posts", "Sourdough", "Subscribe", "Powered by", "By Sam Okafor"):
        assert dropped not in text, dropped


def test_blocks_keep_headings_and_their_anchors_in_reading_order():
    p = extract(POST_URL, fixture("blog_post.html"))
    headings = [(b.level, b.text, b.anchor) for b in p.blocks if b.kind == "heading"]
    assert headings == [(1, "SREcon18 Americas: tracing at Jet.com", ""),
                        (2, "Sampling without losing the interesting requests", "sampling")]


def test_links_feeds_and_canonical_are_absolute_and_include_navigation():
    p = extract(POST_URL, fixture("blog_post.html"))
    assert p.canonical == POST_URL
    assert p.feeds == ["http://blog.example/feed.xml"]
    # Discovery needs every link, boilerplate included: the archive is linked from the nav only.
    assert {"http://blog.example/archive/", "http://blog.example/2018/03/28/slo/",
            "https://twitter.com/share"} <= set(p.links)


def test_links_resolve_against_base_href():
    p = page('<a href="next/">next</a>', head='<base href="http://cdn.example/notes/">')
    assert p.links == ["http://cdn.example/notes/next/"]


def test_broken_html_is_still_extracted():
    broken = ("<html><head><title>SREcon broken</title><body><div class=post><h1>Unclosed heading"
              "<p>First paragraph <b>bold and never closed<p>Second paragraph<ul><li>one<li>two"
              "<table><tr><td>a cell</div></body>")
    p = extract("http://blog.example/broken/", broken)
    text = p.text
    for piece in ("Unclosed heading", "First paragraph", "bold and never closed", "Second paragraph", "one",
                  "two", "a cell"):
        assert piece in text
    assert p.title == "Unclosed heading"


def test_a_page_of_garbage_does_not_raise():
    for junk in ("", "<<<>>>", "\x00\x01binary", "<html><body><p>" * 500, "<!-- unterminated"):
        extract("http://blog.example/junk/", junk)


# -- metadata ------------------------------------------------------------------------------------

def test_title_author_date_and_description_from_meta_tags():
    p = extract(POST_URL, fixture("blog_post.html"))
    assert p.title == "SREcon18 Americas: tracing at Jet.com"
    assert p.author == "Sam Okafor"
    assert p.date == "2018-03-29"
    assert p.description == "Notes from a SREcon18 Americas talk on distributed tracing at Jet.com."


def test_og_tags_stand_in_for_missing_ones():
    p = page("<p>text</p>", head='<meta property="og:title" content="OG title">'
                                  '<meta property="og:description" content="OG description">')
    assert p.title == "OG title" and p.description == "OG description"


@pytest.mark.parametrize("head, body, url, expected", [
    ('<meta property="article:published_time" content="2019-03-26T10:00:00Z">', "<p>x</p>",
     "http://b.example/post/", "2019-03-26"),
    ("", '<article><h1>T</h1><time datetime="2019-03-27T09:00">Mar 27</time><p>x</p></article>',
     "http://b.example/post/", "2019-03-27"),
    ("", "<article><h1>T</h1><p>Posted <time>March 28, 2019</time></p></article>",
     "http://b.example/post/", "2019-03-28"),
    ('<script type="application/ld+json">{"@type": "BlogPosting", "datePublished": "2019-03-29"}</script>',
     "<p>x</p>", "http://b.example/post/", "2019-03-29"),
    ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebSite"},'
     ' {"@type": "Article", "datePublished": "2019-03-30T12:00:00+01:00"}]}</script>',
     "<p>x</p>", "http://b.example/post/", "2019-03-30"),
    ("", "<p>x</p>", "http://b.example/2019/03/31/post/", "2019-03-31"),
    ("", "<p>x</p>", "http://b.example/2019/04/post/", "2019-04-01"),
    ("", "<p>x</p>", "http://b.example/2019/1234/post/", ""),
    ("", '<article><p>x</p><div id="comments"><time datetime="2021-01-01">a comment</time></div></article>',
     "http://b.example/post/", ""),
], ids=["meta", "time-datetime", "time-text", "json-ld", "json-ld-graph", "url-day", "url-month",
        "url-not-a-date", "comment-time-ignored"])
def test_published_date_from_meta_time_json_ld_or_the_url(head, body, url, expected):
    assert page(body, head=head, url=url).date == expected


def test_author_from_json_ld_when_no_meta_names_one():
    ld = ('<script type="application/ld+json">{"@type": "BlogPosting", '
          '"author": [{"@type": "Person", "name": "Ana Silva"}]}</script>')
    assert page("<p>x</p>", head=ld).author == "Ana Silva"


def test_malformed_json_ld_is_ignored():
    ld = '<script type="application/ld+json">{"datePublished": </script>'
    assert page("<p>x</p>", head=ld).date == ""


# -- organiser pages (Drupal, as usenix.org) ------------------------------------------------------

def test_a_drupal_talk_page_gives_title_speakers_abstract_date_room_and_media():
    p = extract(TALK_URL, fixture("drupal_talk.html"))
    assert p.page_type == "talk"
    assert p.talk_title == "Distributed Tracing at Scale: What Broke and Why"
    assert p.speakers == [Person("Liz Fong-Jones", "Google"), Person("Adam Mckaig", "Google"),
                          Person("Jane Roe", "Honeycomb")]
    abstract = [b.text for b in p.blocks if b.kind == "text"]
    assert abstract == [
        "Tracing every request sounds simple until the trace store becomes the biggest service you run.",
        "This talk walks through three outages of a tracing pipeline and the sampling changes that ended them.",
    ]
    assert p.date == "2018-03-27"
    assert p.room == "Grand Ballroom ABC"
    assert p.conference_hint == "SREcon18 Americas"
    assert p.media == [Media("video", "https://www.youtube.com/watch?v=abc123"),
                       Media("slides", "https://www.usenix.org/system/files/conference/srecon18americas/slides/fong-jones.pdf")]
    assert "USENIX" not in p.text and "Back to the program" not in p.text


def test_an_affiliation_without_names_and_conference_dates_as_a_range():
    html = fixture("drupal_talk.html").replace(
        "<p>Liz Fong-Jones and Adam Mckaig, <em>Google</em>; Jane Roe, <em>Honeycomb</em></p>", "<p><em>Slack</em></p>"
    ).replace("Tuesday, March 27, 2018 - 11:00 am–11:30 am", "October 24–26, 2023")
    p = extract(TALK_URL, html)
    assert p.speakers == [Person("", "Slack")]
    assert p.date == "2023-10-24"


def test_a_drupal_program_page_is_a_program_that_links_to_its_talks():
    p = extract(PROGRAM_URL, fixture("drupal_program.html"))
    assert p.page_type == "program"
    assert p.speakers == [] and p.talk_title == ""
    assert {"https://www.usenix.org/conference/srecon18americas/presentation/fong-jones",
            "https://www.usenix.org/conference/srecon18americas/presentation/smith"} <= set(p.links)


# -- decoding ------------------------------------------------------------------------------------

QUOTE_PAGE = "<html><head>{meta}<title>x</title></head><body><p>It\u2019s always DNS \u2014 caf\u00e9</p></body></html>"


@pytest.mark.parametrize("header, meta, encoding", [
    ("windows-1252", "", "cp1252"),
    ("iso-8859-1", "", "cp1252"),
    (None, '<meta charset="windows-1252">', "cp1252"),
    (None, '<meta http-equiv="Content-Type" content="text/html; charset=latin1">', "cp1252"),
    ("utf-8", '<meta charset="windows-1252">', "utf-8"),
    ("windows-1252", '<meta charset="utf-8">', "cp1252"),
    (None, "", "utf-8"),
    (None, "", "cp1252"),
    ("no-such-charset", "", "utf-8"),
    ("utf-8", "", "cp1252"),  # a header that lies falls through to what decodes
], ids=["header", "header-latin1", "meta", "meta-http-equiv", "header-beats-meta", "header-beats-meta-2",
        "undeclared-utf8", "undeclared-cp1252", "unknown-label", "wrong-header"])
def test_decode_header_then_meta_then_detection(header, meta, encoding):
    body = QUOTE_PAGE.format(meta=meta).encode(encoding)
    assert "It\u2019s always DNS \u2014 caf\u00e9" in decode_html(body, header)


def test_a_markdown_list_left_in_a_paragraph_becomes_list_items():
    html = ("<html><body><article><h1>Notes</h1><p>Where to find me: * Mastodon for short notes * this blog "
            "for the long ones</p><p>2 * 3 is six, and that star is no list.</p></article></body></html>")
    blocks = [(b.tag, b.text) for b in extract("http://b.test/notes/", html).blocks if b.kind == "text"]
    assert blocks == [("p", "Where to find me:"), ("li", "Mastodon for short notes"), ("li", "this blog for the long ones"),
                      ("p", "2 * 3 is six, and that star is no list.")]


@pytest.mark.parametrize("furniture", ["Skip to main content", "Loading…", "Blog Post", "Menu"])
def test_a_heading_that_is_site_furniture_is_not_the_posts_title(furniture):
    html = (f"<html><head><title>Notes from SREcon24 EMEA</title></head><body><article><h1>{furniture}</h1>"
            "<p>What I heard at the conference.</p></article></body></html>")
    assert extract("http://b.test/2024/11/01/notes/", html).title == "Notes from SREcon24 EMEA"


def test_a_short_line_ended_by_a_break_is_a_block_of_its_own_but_wrapped_prose_is_not():
    html = ("<html><body><article><h1>Notes</h1>"
            "<p><strong>Queues That Never Drain</strong><br><em>Maria Lindqvist, Spotify</em></p>"
            "<p>Speakers:<br>Tom Baker, Sarah Okoro</p>"
            "<p>This paragraph was wrapped by its writer with hard breaks at the end of each long line, as some "
            "editors do,<br>and it is still one paragraph of prose.</p></article></body></html>")
    texts = [b.text for b in extract("http://x.test/notes/", html).blocks if b.kind == "text"]
    assert texts[:2] == ["Queues That Never Drain", "Maria Lindqvist, Spotify"]
    assert "Speakers: Tom Baker, Sarah Okoro" in texts
    assert any(t.startswith("This paragraph was wrapped") and t.endswith("one paragraph of prose.") for t in texts)


def test_no_space_is_left_between_an_inline_element_and_the_punctuation_after_it():
    p = page("<article><h1>Notes</h1><p>We flew to <a href='/dub'>Dublin, Ireland</a>, about an hour from "
             "<em>London</em>. The <b>slides</b>; the <code>demo</code>! (see <a href='/v'>video</a>) "
             "and <i>more</i>. <a href='/ln'>Laura Nolan</a>'s talk and <b>Netflix</b>’s team.</p>"
             "<ul><li><b>Keynote: Paging Less</b>: what it said.</li></ul></article>")
    para, item = [b for b in p.blocks if b.kind == "text"]
    assert para.text == ("We flew to Dublin, Ireland, about an hour from London. The slides; the demo! (see video) "
                         "and more. Laura Nolan's talk and Netflix’s team.")
    # the words an item opens with in bold are kept as its lead: "Title: notes" is read by them, not by a space
    assert (item.text, item.lead) == ("Keynote: Paging Less: what it said.", "Keynote: Paging Less")
    assert para.lead == ""


def test_a_blocks_link_texts_are_one_line_each_however_the_source_wraps_them():
    p = page("<article><p>Andrew gave <a href='/t'>The Long\n  Title of\nthe Talk</a>, and "
             "<a href='/s'>its\nslides</a>.</p></article>")
    assert p.blocks[0].links == ("The Long Title of the Talk", "its slides")


def test_list_items_know_their_list_and_depth():
    p = page("<article><ul><li>one<ul><li>one a</li></ul></li><li>two</li></ul><ol><li>first</li></ol></article>")
    assert [(b.text, b.shape) for b in p.blocks] == [("one", "ul1"), ("one a", "ul2"), ("two", "ul1"),
                                                    ("first", "ol1")]
