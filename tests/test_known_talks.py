"""Write-ups matched to the talks their event's own pages list: the entry takes the official title,
speakers and affiliations when the evidence points at one talk, and stays as it is otherwise."""

from __future__ import annotations

from pathlib import Path

from srefind.crawler.extract import extract
from srefind.index.tagging import KnownTalk, KnownTalks, Tagger
from srefind.models import TalkEntry

from conftest import FIXTURES, cli_json, crawl, export, run_cli
from webfixture import html, links

AMERICAS19 = "SREcon19 Americas"
YELLOW = KnownTalk("https://events.test/srecon19americas/presentation/kehoe/", AMERICAS19, 2019,
                   "Code Yellow: Helping Operations Top-Heavy Teams the Smart Way",
                   ("Michael Kehoe", "Todd Palino"), ("LinkedIn",))
FRICTION = KnownTalk("https://events.test/srecon19americas/presentation/na/", AMERICAS19, 2019,
                     "Pushing through Friction", ("Dan Na",), ("Squarespace",))
PALINO_2 = KnownTalk("https://events.test/srecon19americas/presentation/palino/", AMERICAS19, 2019,
                     "Kafka Capacity Measurement in Practice", ("Todd Palino",), ("LinkedIn",))
KNOWN = KnownTalks([YELLOW, FRICTION, PALINO_2])


def entry(title: str, *, conference: str = AMERICAS19, year: int | None = 2019, speakers: list[str] | None = None,
          summary: str = "") -> TalkEntry:
    return TalkEntry(id="e", url="https://blog.test/p/", page_url="https://blog.test/p/", title=title,
                     speakers=speakers or [], conference=conference, year=year, summary=summary)


def test_a_title_written_a_little_differently_is_the_same_talk():
    link = KNOWN.match(entry("Code-Yellow: helping operations top heavy teams the smart way"))
    assert link is not None and link.talk == YELLOW and link.confidence >= 0.9


def test_a_numbered_title_with_the_speaker_left_in_is_the_same_talk():
    link = KNOWN.match(entry("3. Code Yellow: Helping Operations Top-Heavy Teams the Smart Way by Michael Kehoe"))
    assert link is not None and link.talk == YELLOW


def test_the_same_title_at_another_event_is_no_link():
    assert KNOWN.match(entry(YELLOW.title, conference="SREcon18 Americas", year=2018)) is None
    # a write-up that says only "SREcon 2018" is matched against that year's events, not 2019's
    assert KNOWN.match(entry(YELLOW.title, conference="", year=2018)) is None


def test_an_event_named_by_its_year_alone_is_matched_on_the_title():
    link = KNOWN.match(entry(YELLOW.title, conference="", year=2019))
    assert link is not None and link.talk == YELLOW
    # ... but a speaker's name alone is not enough when the region is unknown
    assert KNOWN.match(entry("My notes", conference="", year=2019, speakers=["Dan Na"])) is None


def test_the_speaker_of_one_talk_at_the_event_links_a_heading_of_the_blogs_own():
    link = KNOWN.match(entry("Notes: the friction talk", speakers=["Dan Na"]))
    assert link is not None and link.talk == FRICTION


def test_a_speakers_second_talk_at_the_same_event_needs_its_title():
    # Todd Palino gave two talks: his name alone does not say which one the notes are about
    assert KNOWN.match(entry("Notes from the afternoon", speakers=["Todd Palino"])) is None
    link = KNOWN.match(entry("Kafka capacity measurement", speakers=["Todd Palino"]))
    assert link is not None and link.talk == PALINO_2


def test_a_paragraph_that_names_two_talks_links_to_neither():
    text = ("Two talks stood out: Code Yellow: Helping Operations Top-Heavy Teams the Smart Way, and right "
            "after it Kafka Capacity Measurement in Practice, both from the same team.")
    assert KNOWN.match(entry("Tuesday afternoon", summary=text)) is None


def test_an_unrelated_talk_is_no_link():
    assert KNOWN.match(entry("Running Postgres on Kubernetes", speakers=["Ana Silva"])) is None


WRITEUP = """<article><h1>SREcon19 Americas: notes on Code-Yellow</h1>
<p>At SREcon19 Americas, Michael Kehoe explained how an engineering organisation notices a team that is
drowning in operational work and what it does about it: a short, declared period in which the team stops
feature work, fixes its alerting and its on-call rotation, and gets help from other teams.</p>
<p>The part I liked most was how they measure the end of it: pages per week and toil hours, not a feeling.</p>
</article>"""


def test_a_linked_entry_takes_the_official_record_and_keeps_its_own_text():
    known = KnownTalks([YELLOW])
    analysis = Tagger(known_talks=known).analyze(extract("https://blog.test/code-yellow/", html("Notes", WRITEUP)))
    (e,) = analysis.entries
    assert e.title == YELLOW.title
    assert e.talk_url == YELLOW.url and e.link_confidence >= 0.8
    assert e.speakers == ["Michael Kehoe", "Todd Palino"]
    assert "LinkedIn" in e.companies
    assert any("notes on Code-Yellow" in line for line in e.evidence["talk"])  # its own title, kept
    assert "incident-response" in e.topics or "observability" in e.topics  # from the write-up's own text
    unlinked = Tagger().analyze(extract("https://blog.test/code-yellow/", html("Notes", WRITEUP)))
    assert unlinked.entries[0].talk_url == "" and unlinked.entries[0].title != YELLOW.title


def test_a_crawl_links_a_write_up_to_the_talk_page_it_found(site, tmp_path: Path):
    talk_path = "/conference/srecon18americas/presentation/fong-jones/"
    site.bodies[talk_path] = (FIXTURES / "drupal_talk.html").read_text(encoding="utf-8")
    site.bodies["/post-0/"] = html("Tracing notes", """<article><h1>SREcon18 Americas: when the trace store
        is the biggest service</h1><p>Liz Fong-Jones walked through Distributed Tracing at Scale: What Broke and
        Why at SREcon18 Americas: three outages of a tracing pipeline, each ended by a change to how traces are
        sampled, and what the team would do differently with the trace store next time.</p></article>""")
    site.bodies["/"] = html("An SRE blog", links(*site.posts(), talk_path))
    crawl(site, tmp_path / "data")
    rows = {r["page_url"].rstrip("/").rsplit("/", 1)[-1]: r for r in export(tmp_path / "data")}
    post = rows["post-0"]
    assert post["talk_url"] == site.web.url(talk_path)
    assert post["title"] == "Distributed Tracing at Scale: What Broke and Why"
    assert "Adam Mckaig" in post["speakers"]
    assert rows["fong-jones"]["talk_url"] == ""  # the talk page is the record, not a write-up of it


def test_srefind_talk_prints_the_record_and_its_write_ups_as_the_api_does(demo_data):
    from srefind.web.app import create_app

    rows = export(demo_data)
    writeup = next(r for r in rows if r["talk_url"])
    talk = next(r for r in rows if r["url"] == writeup["talk_url"])
    as_json = cli_json("talk", talk["id"], "--json", "--data-dir", str(demo_data))
    api = create_app(demo_data).test_client().get(f"/api/talks/{talk['id']}").get_json()
    assert as_json == api
    assert [w["id"] for w in as_json["writeups"]] == [writeup["id"]]
    proc = run_cli("talk", talk["id"], "--data-dir", str(demo_data))
    assert proc.returncode == 0 and talk["title"] in proc.stdout and "1 write-up:" in proc.stdout
    proc = run_cli("talk", "0000000000000000", "--data-dir", str(demo_data))
    assert proc.returncode == 1 and "no talk with id 0000000000000000" in proc.stderr and "Traceback" not in proc.stderr


def test_a_text_that_names_a_speaker_of_one_talk_in_full_is_about_that_talk():
    text = "The session I liked best was Dan Na on the small frictions that slow a team down."
    link = KNOWN.match(entry("Small frictions", summary=text))
    assert link is not None and link.talk == FRICTION
    # naming two of the event's speakers fits two talks
    both = text + " Michael Kehoe asked the first question."
    assert KNOWN.match(entry("Small frictions", summary=both)) is None


def test_a_talk_pages_kind_of_session_comes_from_what_the_page_calls_it():
    from srefind.index.tagging.pipeline import talk_type

    assert talk_type("Keynote Address: The Endgame of SRE") == "keynote"
    assert talk_type("Closing Plenary: Hell Is Other Platforms") == "keynote"
    assert talk_type("Lightning Talks") == "lightning"
    assert talk_type("Panel: SRE in Regulated Industries") == "panel"
    assert talk_type("Getting Started with Observability Workshop") == "workshop"
    assert talk_type("Panelling the Control Plane") == "talk"  # a word that only starts like one
    assert talk_type("Code Yellow: Helping Operations Top-Heavy Teams the Smart Way") == "talk"


def test_a_talk_lists_its_speakers_other_talks(site, tmp_path: Path):
    from srefind.web.app import create_app

    page = (FIXTURES / "drupal_talk.html").read_text(encoding="utf-8")
    second = page.replace("Distributed Tracing at Scale: What Broke and Why", "Sampling Traces Without Losing the Outliers")
    first_path, second_path = ("/conference/srecon18americas/presentation/fong-jones/",
                               "/conference/srecon18americas/presentation/fong-jones-sampling/")
    site.bodies[first_path], site.bodies[second_path] = page, second
    site.bodies["/"] = html("An SRE blog", links(*site.posts(), first_path, second_path))
    crawl(site, tmp_path / "data")
    rows = {r["url"]: r for r in export(tmp_path / "data")}
    one, two = rows[site.web.url(first_path)], rows[site.web.url(second_path)]
    client = create_app(tmp_path / "data").test_client()
    record = client.get(f"/api/talks/{one['id']}").get_json()
    assert record["by_speakers"] == [two["id"]] and two["id"] not in record["related"]
    assert two["id"] not in record["by_company"]  # listed once, under its speakers
    assert "Other talks by Liz Fong-Jones" in client.get(f"/talks/{one['id']}").get_data(as_text=True)


def test_srefind_tag_and_talk_show_why_a_write_up_was_linked(demo_data):
    rows = export(demo_data)
    writeup = next(r for r in rows if r["talk_url"] and r["link_evidence"])
    tagged = cli_json("tag", writeup["page_url"], "--json", "--data-dir", str(demo_data))
    (entry,) = [e for e in tagged["entries"] if e["url"] == writeup["url"]]
    assert entry["talk_url"] == writeup["talk_url"] and entry["evidence"]["talk"][0] == writeup["talk_url"]
    proc = run_cli("tag", writeup["page_url"], "--data-dir", str(demo_data))
    assert proc.returncode == 0 and "talk page" in proc.stdout
    proc = run_cli("talk", writeup["id"], "--data-dir", str(demo_data))
    assert proc.returncode == 0 and f"linked with confidence {writeup['link_confidence']:.2f}" in proc.stdout
    assert writeup["link_evidence"][0] in proc.stdout.replace("\n", " ")
