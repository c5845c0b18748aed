"""Speakers and titles, whatever the layout: names beside the cues write-ups use for speakers,
day headings as context rather than talks. Pages written for these tests."""

from __future__ import annotations

import pytest

from srefind.crawler.extract import extract
from srefind.index.tagging import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def analyze(tagger: Tagger, body: str, title: str = "Notes from SREcon24 EMEA"):
    html = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
    return tagger.analyze(extract("http://notes.test/2024/10/30/srecon-emea/", html))


def test_day_headings_are_context_and_the_talk_headings_under_them_are_the_talks(tagger):
    talk = ("<h3>{title}</h3><p>{who} — {title}</p>"
            "<p>The speakers walked through what broke, what they measured and what they changed afterwards, "
            "with a long detour into how their paging policy evolved over two years of incidents.</p>")
    body = ("<h2>Wednesday, 30 October</h2>"
            + talk.format(title="Queues That Never Drain", who="Maria Lindqvist, Spotify")
            + talk.format(title="A Year of Error Budgets", who="Tom Baker and Sarah Okoro, Shopify")
            + "<h2>Thursday, 31 October</h2>"
            + talk.format(title="Rebuilding the Pager", who="Daniel Kowalski, Zalando"))
    got = analyze(tagger, body)
    assert got.split == "headings"
    assert [e.title for e in got.entries] == ["Queues That Never Drain", "A Year of Error Budgets",
                                             "Rebuilding the Pager"]
    assert [e.speakers for e in got.entries] == [["Maria Lindqvist"], ["Tom Baker", "Sarah Okoro"],
                                                ["Daniel Kowalski"]]


@pytest.mark.parametrize("line, names", [
    ("Speakers: Priya Raman, Jonas Weber (Datadog)", ["Priya Raman", "Jonas Weber"]),
    ("This talk was given by Nicole Brandt from Microsoft and was the best of the day.", ["Nicole Brandt"]),
    ("Karen Holt's keynote was about the people side of incidents.", ["Karen Holt"]),
    ("We spoke with Lorin Park (Netflix) after the session.", ["Lorin Park"]),
    # shaped like a name, but no speaker: a technique, a job title, a weak cue before unknown words
    ("Lineage Driven Fault Injection (LDFI) picks which faults to try first.", []),
    ("Presenter: Kyle, Senior Production Engineer at Meta", []),
    ("The pipeline was built by Continuous Delivery experts.", []),
])
def test_a_speaker_is_a_persons_name_beside_a_speaker_cue(tagger, line, names):
    assert tagger.speakers.find([line]) == names


@pytest.mark.parametrize("heading, title", [
    ("3. Budgets Nobody Reads by Ellen Fischer at SREcon 2024", "Budgets Nobody Reads"),
    ("Talk at SREcon EMEA: Counting Bytes in Flight", "Counting Bytes in Flight"),
    ("SREcon23 Americas - Why the Retry Storm Happened", "Why the Retry Storm Happened"),
    ("Lessons from SREcon", "Lessons from SREcon"),
    ("Built by Hand", "Built by Hand"),
])
def test_titles_lose_numbering_speaker_and_event_but_keep_their_words(tagger, heading, title):
    assert tagger.speakers.clean_title(heading) == title
