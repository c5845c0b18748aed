"""Speakers and titles, whatever the layout: names beside the cues write-ups use for speakers,
day headings as context rather than talks. Pages written for these tests."""

from __future__ import annotations

import pytest

from srefind.crawler.extract import extract
from srefind.index.tagging import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def analyze(tagger: Tagger, body: str, title: str = "Notes from SREcon24 EMEA",
            url: str = "http://notes.test/2024/10/30/srecon-emea/"):
    html = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
    return tagger.analyze(extract(url, html))


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
    ("Presenter: Kyle, Senior Production Engineer at Meta", ["Kyle"]),  # the given name, not the job title
    ("Speakers: Kubernetes, Terraform", []),
    ("The pipeline was built by Continuous Delivery experts.", []),
    # bios and panels
    ("Ingrid Solberg is a staff engineer at Fastly who has run its edge fleet for six years.", ["Ingrid Solberg"]),
    ("Marco Bellini, a reliability engineer at Booking.com, opened with the outage.", ["Marco Bellini"]),
    ("The speaker, Dana Whitfield, is an SRE manager at Etsy.", ["Dana Whitfield"]),
    ("Moderator: Paul Greer, Stripe; Panelists: Anna Kowal, Ben Ortiz", ["Paul Greer", "Anna Kowal", "Ben Ortiz"]),
    ("Service Mesh is the manager of every request in the cluster.", []),
    # "by" with a name the list of given names lacks, placed at an event or a known company
    ("2. Quorum Reads in Practice by Oyelaran Adebayo at SREcon 2024", ["Oyelaran Adebayo"]),
    ("This talk was by Praveen Iyengar from Microsoft and ran long.", ["Praveen Iyengar"]),
    ("Built by Continuous Delivery at Scale", []),
    # given names written as initials, and acronyms that are not
    ("TJ Okafor and Lena Brandt, Stripe — Paging Without Tears", ["TJ Okafor", "Lena Brandt"]),
    ("Speakers: R. Mark Ellison, A.J. Moreau (Fastly)", ["R. Mark Ellison", "A.J. Moreau"]),
    ("Speakers: ML Platform, AI Ops", []),
    # an honorific is not part of the name; a lead line of speakers of several organisations
    ("Speakers: Dr. Maren Holt, Jeli", ["Maren Holt"]),
    ("Dr. Maren Holt, Jeli, and Tomas Berg, Netflix — Knowledge and Power", ["Maren Holt", "Tomas Berg"]),
    # how summaries of recorded talks name the speaker
    ("The speaker introduces herself as Mirella, an SRE lead who runs the payments on-call.", ["Mirella"]),
    ("Tobias Lindgren introduces himself and the team he works in.", ["Tobias Lindgren"]),
    ("Grace Mwangi from Vodafone's network reliability group discusses failover drills.", ["Grace Mwangi"]),
    ("The new dashboard introduces itself as Grafana Cloud to every user.", []),
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


def _talk_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def test_list_items_that_open_with_a_title_are_the_talks(tagger):
    body = ("<p>I went to SREcon24 EMEA this year; these are the talks I keep thinking about.</p>" + _talk_list([
        "<strong>Budgets Nobody Reads</strong>: This talk by Ellen Fischer from Spotify was about error budgets nobody "
        "looks at.",
        "Counting Bytes in Flight - a careful look at queueing in load balancers and what it costs in latency.",
        "<a href='/v/retry'>Why the Retry Storm Happened</a>: a post-incident review of retries amplifying a small "
        "database blip.",
        "<b>When retries help and when they hurt</b>: this talk was by Tom Baker, on backoff and jitter in clients.",
        "<b>Lessons: What Paging Taught Us</b>: a look back at ten years of pages and the alerts worth keeping.",
    ]))
    got = analyze(tagger, body)
    assert got.split == "list"
    assert [e.title for e in got.entries] == ["Budgets Nobody Reads", "Counting Bytes in Flight",
                                             "Why the Retry Storm Happened", "When retries help and when they hurt",
                                             "Lessons: What Paging Taught Us"]
    assert got.entries[0].speakers == ["Ellen Fischer"]


def test_speaker_first_items_with_the_organisation_in_brackets_are_the_talks(tagger):
    body = ("<p>My notes from SREcon22 Americas, a few talks I liked.</p>" + _talk_list([
        "Ana Silva (Lyft) — Meshing Without Tears: they measured p99 latency before and after the mesh.",
        "Sam Cole (GitHub) — Nine Hours of Failover: a database failover that took most of a night.",
        "Li Wei (Spotify) — Fewer, Better Pages: the on-call rotation rebuilt around fewer pages.",
    ]))
    got = [(e.title, e.speakers, e.companies) for e in analyze(tagger, body).entries]
    assert got == [("Meshing Without Tears", ["Ana Silva"], ["Lyft"]), ("Nine Hours of Failover", ["Sam Cole"], ["GitHub"]),
                   ("Fewer, Better Pages", ["Li Wei"], ["Spotify"])]


def test_a_term_dash_note_item_inside_one_talks_notes_is_no_talk(tagger):
    notes = [f"point number {n} about the migration and what the team measured along the way" for n in range(9)]
    body = ("<p>My notes from one SREcon24 EMEA talk about moving a fleet of databases to new hardware.</p>"
            + _talk_list(notes[:5] + ["Canary hosts - the team kept three of them on the old kernel"] + notes[5:]))
    assert len(analyze(tagger, body).entries) == 1


def test_one_bullet_per_talk_under_day_headings(tagger):
    body = ("<h2>Day 1</h2>" + _talk_list([
        "The opening keynote argued that on-call load is a reliability metric of its own.",
        "A talk on histogram-based SLOs showed why averages hide the slow requests.",
    ]) + "<h2>Day 2</h2>" + _talk_list(["Security teams can borrow error budgets, one speaker argued at length."]))
    assert len(analyze(tagger, body).entries) == 3


def test_a_bare_list_of_speakers_and_titles_is_a_program_but_with_impressions_a_write_up(tagger):
    lines = [f"{who} — {title}" for who, title in [
        ("Ellen Fischer", "Budgets Nobody Reads"), ("Tom Baker", "Counting Bytes in Flight"),
        ("Sarah Okoro", "Why the Retry Storm Happened"), ("Daniel Kowalski", "Rebuilding the Pager"),
        ("Maria Lindqvist", "Queues That Never Drain")]]
    program = analyze(tagger, "<p>The talks:</p>" + _talk_list(lines))
    assert not program.relevant and "program" in program.reason
    impressions = ("<p>SREcon24 EMEA was the best edition I have been to: the hallway track was lively, the "
                   "rooms were full, and almost every talk I picked had something I could take home to my team. "
                   "These are the ones I would watch again, in the order I saw them.</p>"
                   "<p>Next year I want to bring two people from the platform team along with me.</p>")
    writeup = analyze(tagger, impressions + _talk_list(lines))
    assert writeup.relevant and [e.speakers for e in writeup.entries][:2] == [["Ellen Fischer"], ["Tom Baker"]]
    assert writeup.entries[0].title == "Budgets Nobody Reads"


def test_a_link_to_a_code_repository_does_not_make_a_company_the_subject(tagger):
    body = "<p>The QUIC talk at SREcon24 EMEA was thorough, and it pointed to a GitHub repo with the test rig.</p>"
    assert all("GitHub" not in e.companies for e in analyze(tagger, body).entries)


def test_a_recap_of_another_event_is_not_an_srecon_write_up_though_it_names_srecon(tagger):
    body = ("<p>A month ago I was at SREcon24 EMEA, and I wrote about it already; this post is not about that.</p>"
            "<p>This time I went to a database conference for the first time, and the talks on storage engines, "
            "replication and backups were the best I have heard in a while, better than at SREcon even.</p>")
    got = analyze(tagger, body, title="Recap: DataConf Europe 2024", url="http://notes.test/2024/11/02/dataconf/")
    assert not got.relevant and "another event" in got.reason


def test_a_post_about_a_talk_at_another_event_is_not_an_srecon_talk_though_it_was_given_there_once(tagger):
    filler = ("<p>We moved our queue consumers to a new scheduler, and the paging load halved once retries "
              "were bounded; the graphs tell the story better than I can.</p>")
    body = ("<p>I presented my retry-budgets talk at DevOpsDays Berlin last week.</p>" + filler
            + "<p>An earlier version of it was given at SREcon23 EMEA.</p>")
    got = analyze(tagger, body, title="My talk at DevOpsDays Berlin", url="http://notes.test/2024/06/02/devopsdays/")
    assert not got.relevant and "another event" in got.reason
    # the same post about the SREcon talk, which names the other event once, is a write-up
    body = ("<p>I presented my retry-budgets talk at SREcon23 EMEA last week.</p>" + filler
            + "<p>A shorter version of it was given at DevOpsDays Berlin.</p>")
    got = analyze(tagger, body, title="My retry-budgets talk", url="http://notes.test/2023/11/02/retries/")
    assert got.relevant and got.entries[0].conference == "SREcon23 EMEA"


@pytest.mark.parametrize("closing, relevant", [
    ("I gave this talk at SREcon23 EMEA in Dublin; the slides are below.", True),
    ("This is the written version of my SREcon23 EMEA talk.", True),
    ("Thanks to everyone who came to my talk at SREcon23 EMEA.", True),
    ("Slides from SREcon23 EMEA: retry-budgets.pdf", True),
    # a pointer to a talk from a post about something else, and a talk SREcon did not take
    ("See my talk at SREcon23 EMEA at around the 25:05 mark for more on this.", False),
    ("My talk was rejected by SREcon23 EMEA, so here it is as a post.", False),
])
def test_the_writers_own_srecon_talk_counts_though_srecon_is_named_once_at_the_end(tagger, closing, relevant):
    filler = ("<p>We spent most of the year moving our queue consumers to a new scheduler, and the paging load "
              "dropped by half once the retries were bounded.</p>")
    got = analyze(tagger, filler * 6 + f"<p>{closing}</p>", title="Retry budgets in practice",
                  url="http://notes.test/2023/11/02/retry-budgets/")
    assert got.relevant is relevant, got.reason


def test_a_sponsors_post_about_its_own_stand_is_no_write_up(tagger):
    body = ("<p>Our whole team flew to Lisbon for SREcon and set up the Widgetly booth next to the coffee.</p>"
            "<p>Hundreds of engineers stopped at the booth to try our runbook robot, and the stickers and "
            "other swag were gone by noon on the second day. Thanks to all who came to chat.</p>"
            "<p>Sign up for a free trial of Widgetly today and automate your on-call chores.</p>")
    got = analyze(tagger, body, title="Widgetly at SREcon EMEA", url="http://widgetly.test/2024/10/31/srecon/")
    assert not got.relevant and "sponsor" in got.reason


def test_a_write_up_on_a_companys_blog_of_its_engineers_talks_still_counts(tagger):
    body = ("<p>Two of our engineers spoke at SREcon this year. Ana Lopez presented how Widgetly moved its "
            "queues to Kafka without downtime, with the migration plan and the rollback drills.</p>"
            "<p>We also had a booth, where many of you asked about that migration.</p>")
    got = analyze(tagger, body, title="Widgetly at SREcon EMEA", url="http://widgetly.test/2024/10/31/srecon/")
    assert got.relevant and got.entries


def test_srecon_in_the_title_of_a_post_about_something_else_is_no_write_up(tagger):
    body = ("<p>Back home from the conference, and glad of a quiet weekend. Before I forget, here are some graphs "
            "from work this month that look like animals if you squint.</p>"
            "<p>This one looks like a cat sleeping on a keyboard. The next is a snail, I think.</p>"
            "<p>Have a nice weekend, everyone!</p>")
    got = analyze(tagger, body, title="Funny Graphs (SREcon Week Edition)",
                  url="http://notes.test/2024/10/31/funny-graphs-srecon/")
    assert not got.relevant and "only in the title" in got.reason


def test_the_events_organiser_and_host_are_not_a_talks_company(tagger):
    body = ("<p>At SREcon22 Americas Jane Doe from Lyft explained how her team runs retries with budgets and "
            "jitter across every service in the mesh.</p><p>USENIX SREcon is organised by USENIX, and this year "
            "the hallway track was hosted by Google in the lobby.</p>")
    (entry,) = analyze(tagger, body).entries
    assert entry.companies == ["Lyft"]


def test_companies_listed_after_a_passing_cue_are_all_passing(tagger):
    body = ("<p>Managing SSH access without keys: the speaker said it is done like Facebook, Google and Uber do it, "
            "and then showed the certificate authority they run at Hostinger for SREcon24 EMEA.</p>")
    (entry,) = analyze(tagger, body).entries
    assert not {"Meta", "Google", "Uber"} & set(entry.companies)


def test_an_acronym_in_brackets_after_a_phrase_is_no_affiliation(tagger):
    text = "Some nice points on Key Performance Indicators (KPI) and Service Level Objectives (SLO)."
    assert tagger.companies.affiliations(text) == []
    text = "We heard from Hazel Weakly (Hachyderm) about running a social server for thousands of users."
    assert [a.organisation for a in tagger.companies.affiliations(text)] == ["Hachyderm"]


@pytest.mark.parametrize("text", [
    "Follow me on Twitter for more of these notes from SREcon24 EMEA.",
    "If you liked these SREcon24 EMEA notes, share them on LinkedIn.",
    "After SREcon24 EMEA we met near King's Cross for dinner and kept talking about on-call.",
])
def test_a_platform_to_follow_or_a_place_name_is_no_company(tagger, text):
    assert tagger.companies.tag("", [text]) == {}


def test_the_company_itself_is_still_found(tagger):
    found = tagger.companies.tag("", ["King's engineers rebuilt the game servers, and King now runs them itself."])
    assert list(found) == ["King.com"]


def test_a_block_that_is_only_a_company_name_is_a_label_not_evidence(tagger):
    assert tagger.companies.tag("", ["Where to find me:", "LinkedIn", "Twitter"]) == {}


def test_the_notes_of_a_recorded_talk_count_though_srecon_is_named_once_late(tagger):
    moments = "".join(f'<li><a href="https://youtu.be/AbCdEf12345?t={t}">{t // 60}:{t % 60:02d}</a> part {n}</li>'
                      for n, t in enumerate((95, 410, 800, 1260), 1))
    body = ("<p>This post walks through my talk on memory pressure in large fleets, with the moments in the "
            "recording where each part starts, and what I would change in it now.</p>"
            f"<ul>{moments}</ul>"
            "<p>I gave this talk at SREcon last year; thanks to everyone who came to ask questions afterwards.</p>")
    got = analyze(tagger, body, title="Memory pressure, explained", url="http://notes.test/2024/03/01/memory/")
    assert got.relevant and "recorded" in got.reason


def test_a_latin_script_company_in_text_of_another_script_is_found(tagger):
    found = tagger.companies.tag("", ["この講演では Google での本番運用の経験と、その教訓について話しました。"])
    assert list(found) == ["Google"]


def test_the_writers_own_talk_names_the_writer_as_its_speaker(tagger):
    html = ("<html><head><title>Queues at SREcon24 EMEA</title><meta name='author' content='Ellen Fischer'></head>"
            "<body><article><h1>Queues at SREcon24 EMEA</h1><p>In October I went to Dublin to give a short talk "
            "about the queues in our payment pipeline and how we stopped them from growing without bound.</p>"
            "<p>The slides are below, with the notes I kept for each part.</p></article></body></html>")
    (entry,) = tagger.analyze(extract("http://ellen.test/2024/10/31/queues/", html)).entries
    assert entry.speakers == ["Ellen Fischer"]
    attendee = html.replace("to give a short talk about", "to hear a talk about")
    (entry,) = tagger.analyze(extract("http://ellen.test/2024/10/31/queues/", attendee)).entries
    assert entry.speakers == []


def test_a_recap_in_prose_moves_on_talk_by_talk(tagger):
    body = ("<p>SREcon24 EMEA opened on a grey Dublin morning, and the first keynote set the tone for the week "
            "with a long look at how on-call load is measured.</p>"
            "<p>The next talk, by Priya Raman from Datadog, walked through histogram-based latency objectives.</p>"
            "<p>After lunch, the afternoon session by Tom Baker was about retry storms in payment systems.</p>"
            "<p>The closing keynote was a warm one, about keeping teams healthy when incidents pile up.</p>")
    got = analyze(tagger, body)
    assert got.split == "paragraphs" and len(got.entries) == 3
    assert got.entries[0].speakers == ["Priya Raman"]


def test_a_recap_in_prose_takes_the_title_each_paragraph_states(tagger):
    body = ("<p>SREcon24 EMEA opened on a grey Dublin morning with a keynote on how on-call load is measured.</p>"
            "<p>The next talk, by Priya Raman from Datadog, was Histograms Over Averages. It walked through "
            "latency objectives built on histograms.</p>"
            "<p>After lunch, the afternoon session by Tom Baker, called “Storms in the Payment Path”, was about "
            "retry storms.</p>"
            "<p>The closing keynote was a warm one, about keeping teams healthy when incidents pile up.</p>")
    got = analyze(tagger, body)
    assert [e.title for e in got.entries] == ["Histograms Over Averages", "Storms in the Payment Path",
                                             "The closing keynote was a warm one, about keeping teams healthy when "
                                             "incidents pile up."]


def test_a_page_with_one_abstract_documents_one_talk(tagger):
    body = ("<h2>Abstract</h2><p>A workshop on the statistics an on-call engineer needs: percentiles, histograms "
            "and what averages hide, first given at SREcon24 EMEA.</p>"
            "<h2>Materials</h2><p>Notebooks for each part of the workshop, with the datasets.</p>"
            "<h2>Where it was given</h2><p>SREcon24 EMEA in Dublin, then two meetups.</p>")
    assert len(analyze(tagger, body, title="Statistics for On-Call").entries) == 1


def test_a_code_listing_is_no_evidence_but_notes_kept_in_pre_are(tagger):
    code = "<pre>$ ./run.sh --mode=ml # model.fit(x, y); kubectl apply -f ./k8s/*.yaml &amp;&amp; echo ok</pre>"
    notes = "<pre>- Introduces the team and its Kubernetes clusters - Walks through the migration plan</pre>"
    lead = "<p>Notes from a talk at SREcon24 EMEA about a quiet week on call.</p>"
    (with_code,) = analyze(tagger, lead + code).entries
    (with_notes,) = analyze(tagger, lead + notes).entries
    assert "kubernetes" not in with_code.topics and "ml" not in with_code.topics
    assert "kubernetes" in with_notes.topics


def test_the_rows_of_a_table_of_talks_are_the_talks(tagger):
    rows = [("Budgets Nobody Reads", "Ellen Fischer (Spotify)", "35 min"),
            ("Counting Bytes in Flight", "Tom Baker", "30 min"),
            ("Why the Retry Storm Happened", "Sarah Okoro and Daniel Kowalski", "40 min"),
            ("Confessions of a Pager", "Quill", "20 min"),
            ("Graphs at Midnight", "Slides", "20 min")]
    table = ("<table><tr><th>Talk</th><th>Speaker</th><th>Length</th></tr>"
             + "".join(f"<tr><td>{t}</td><td>{s}</td><td>{n}</td></tr>" for t, s, n in rows) + "</table>")
    body = "<p>The SREcon24 EMEA talks our team watched afterwards, with who gave them.</p>" + table
    got = analyze(tagger, body)
    assert got.split == "table"
    assert [e.title for e in got.entries] == [r[0] for r in rows]
    assert [e.speakers for e in got.entries] == [["Ellen Fischer"], ["Tom Baker"], ["Sarah Okoro", "Daniel Kowalski"],
                                                ["Quill"], []]


def _talk_section(title: str, fields: dict[str, str]) -> str:
    items = "".join(f"<li><strong>{k}:</strong> {v}</li>" for k, v in fields.items())
    return (f"<h2>{title}</h2><ul>{items}<li><strong>Why we picked it:</strong> a long debugging story with "
            "wrong turns, told by the people who were paged, with the graphs they looked at.</li></ul>")


def test_a_heading_over_a_table_of_talks_is_context_and_its_rows_are_the_talks(tagger):
    table = ("<table><tr><th>Talk</th><th>Speaker</th><th>Length</th></tr>"
             "<tr><td>Budgets Nobody Reads</td><td>Ellen Fischer (Spotify)</td><td>35 min</td></tr>"
             "<tr><td>Counting Bytes in Flight</td><td>Tom Baker</td><td>30 min</td></tr></table>")
    body = (_talk_section("1. Queues That Never Drain", {"Speakers": "Maria Lindqvist (Zalando)",
                                                         "Conference": "SREcon24 EMEA"})
            + _talk_section("2. A Year of Error Budgets", {"Speaker": "Sarah Okoro (Shopify)",
                                                          "Conference": "SREcon24 EMEA"})
            + "<h2>Backup picks</h2><p>All from the same SREcon, all with slides online.</p>" + table)
    got = analyze(tagger, body)
    titles = [e.title for e in got.entries]
    assert "Backup picks" not in titles
    assert titles[-2:] == ["Budgets Nobody Reads", "Counting Bytes in Flight"]
    assert got.entries[-2].speakers == ["Ellen Fischer"] and "Spotify" in got.entries[-2].companies


def test_a_section_about_a_talk_given_at_another_event_is_not_an_srecon_talk(tagger):
    body = (_talk_section("Queues That Never Drain", {"Speakers": "Maria Lindqvist (Zalando)",
                                                      "Conference": "SREcon24 EMEA"})
            + _talk_section("A Year of Error Budgets", {"Speaker": "Sarah Okoro (Shopify)",
                                                       "Conference": "SREcon24 EMEA"})
            + _talk_section("Go Faster, Carefully", {"Speaker": "Tom Baker (Spotify)",
                                                    "Conference": "Strange Loop 2019"}))
    got = analyze(tagger, body)
    assert [e.title for e in got.entries] == ["Queues That Never Drain", "A Year of Error Budgets"]


def test_a_section_naming_other_events_far_more_than_srecon_is_about_them(tagger):
    other = ("<h2>What we left out</h2><ul><li>Tom Baker at KubeCon 2019: no slides</li>"
             "<li>Two CppCon 2018 talks: no decks in the repository</li>"
             "<li>QCon London: video only, and Monitorama's recordings were too short</li></ul>")
    body = (_talk_section("Queues That Never Drain", {"Speakers": "Maria Lindqvist (Zalando)"})
            + _talk_section("A Year of Error Budgets", {"Speaker": "Sarah Okoro (Shopify)"}) + other)
    titles = [e.title for e in analyze(tagger, body).entries]
    assert titles == ["Queues That Never Drain", "A Year of Error Budgets"]
    # a talk that only says where else it was given is still this SREcon's talk
    once = _talk_section("Rebuilding the Pager", {"Speaker": "Daniel Kowalski (Zalando)",
                                                  "Also given at": "KubeCon 2019"})
    assert "Rebuilding the Pager" in [e.title for e in analyze(tagger, body + once).entries]


def test_a_speakers_line_gives_organisations_the_gazetteer_lacks_each_of_a_shared_pair(tagger):
    body = _talk_section("Scaling a Volunteer Server", {"Speakers": "Hazel Moreno (Quokkanet), "
                                                        "Preston Dale (Quokkanet / Twilio)"})
    (entry,) = analyze(tagger, body).entries
    assert entry.speakers == ["Hazel Moreno", "Preston Dale"]
    assert set(entry.companies) >= {"Quokkanet", "Twilio"}
    # the same capitals in a headline are not an affiliation
    headline = "<h2>Key Performance Indicators (KPI) at Scale</h2><p>Notes on metrics nobody reads, from SREcon.</p>"
    assert "KPI" not in analyze(tagger, headline).entries[0].companies


PAIRS = [("Queues That Never Drain", "Maria Lindqvist", "Spotify"),
         ("A Year of Error Budgets", "Tom Baker", "Shopify"),
         ("Counting Bytes in Flight", "Sarah Okoro", "Netflix")]
NOTES = ("<ul><li>page on symptoms rather than causes, and delete the rest</li>"
         "<li>the rotation got smaller once every alert had an owner</li></ul>")
STORY = "<p>The team found out why its queues never drained and what it changed in the paging afterwards.</p>"
LAYOUTS = {
    "a title paragraph, a name paragraph, notes": "".join(f"<p>{t}</p><p>{n}</p>{NOTES}" for t, n, _ in PAIRS),
    "time slot, title, 'Name, Company', abstract": "".join(
        f"<p>Tuesday, 14:15–15:00</p><p>{t}</p><p>{n}, {c}</p>{STORY}" for t, n, c in PAIRS),
    "bold title, line break, italic speaker": "".join(
        f"<p><strong>{t}</strong><br><em>{n}, {c}</em></p>{STORY}" for t, n, c in PAIRS),
    "bold title paragraph, italic 'Name (Company)' paragraph": "".join(
        f"<p><strong>{t}</strong></p><p><em>{n} ({c})</em></p>{STORY}" for t, n, c in PAIRS),
    "definition list": "<dl>" + "".join(
        f"<dt>{t}</dt><dd>{n} of {c} explains why the team's queues never drained.</dd>" for t, n, c in PAIRS) + "</dl>",
    "'Speaker — Title: notes' items": "<ul>" + "".join(
        f"<li>{n} — {t}: the team found out why its queues never drained.</li>" for t, n, _ in PAIRS) + "</ul>",
    "track headings over time slots and pairs": "<h2>Must-see talks</h2>" + "".join(
        f"<p>Tuesday, 14:15–15:00</p><p>{t}</p><p>{n}, {c}</p>{STORY}" for t, n, c in PAIRS[:2])
        + "<h2>Worth a look</h2>" + "".join(f"<p>{t}</p><p>{n}, {c}</p>{STORY}" for t, n, c in PAIRS[2:]),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_title_beside_its_speakers_is_a_talk_whatever_the_markup(tagger, layout):
    lead = "<p>I was at SREcon19 Americas in Brooklyn; here is what stayed with me from each talk I saw.</p>"
    got = analyze(tagger, lead + LAYOUTS[layout], title="SREcon19 Americas notes")
    assert [e.title for e in got.entries] == [t for t, _, _ in PAIRS]
    assert [e.speakers for e in got.entries] == [[n] for _, n, _ in PAIRS]
    if "Company" in layout or "definition" in layout or "track" in layout:
        assert [e.companies[:1] for e in got.entries] == [[c] for _, _, c in PAIRS]


def test_two_title_lines_in_a_row_are_not_a_title_and_its_speaker(tagger):
    body = ("<p>Queues That Never Drain</p><p>Counting Bytes in Flight</p>" + STORY
            + "<p>A Year of Error Budgets</p><p>Rebuilding the Pager</p>" + STORY)
    got = analyze(tagger, "<p>Notes from SREcon19 Americas in Brooklyn, the talks I went to.</p>" + body)
    assert all(not e.speakers for e in got.entries)


def test_a_guest_post_of_picks_reads_time_title_and_speaker_lines_under_track_headings(tagger):
    """A layout of 'best talks' posts: a track heading, then the slot, the title and the speakers broken
    by <br>, the abstract, the bio and the writer's take. The track is context; 'A and B, Org' is two
    speakers of one organisation."""
    talk = "<h3>{track}</h3><p>{when}<br>{title}<br>{who}</p><p>{abstract}</p><p>My take: {take}</p>"
    body = "".join(talk.format(**t) for t in [
        dict(track="Must See", when="Tuesday, 14:15–15:00 (Opening Plenary Session)", title="Pagers Are a Product",
             who="Dana Whitfield, Etsy", take="the best framing of on-call I have heard.",
             abstract="Paging policy is a product decision: who gets woken, for what, and how the team learns."),
        dict(track="Observability", when="Wednesday, 10:00–10:45", title="Histograms Over Averages",
             who="Priya Raman and Jonas Weber, Datadog", take="bring a notebook.",
             abstract="Why averages lie about latency, and how histograms and percentiles tell the truth."),
    ])
    result = analyze(tagger, body, title="Best talks at SREcon21")
    got = [(e.title, e.speakers, e.companies) for e in result.entries]
    assert got == [("Pagers Are a Product", ["Dana Whitfield"], ["Etsy"]),
                   ("Histograms Over Averages", ["Priya Raman", "Jonas Weber"], ["Datadog"])]


@pytest.mark.parametrize("line, pairs", [
    ("Priya Raman and Jonas Weber, Datadog", [("Priya Raman", "Datadog"), ("Jonas Weber", "Datadog")]),
    # organisers' programs: each speaker's organisation after their name
    ("Maren Holt, Jeli, and Tomas Berg, Netflix", [("Maren Holt", "Jeli"), ("Tomas Berg", "Netflix")]),
    ("Ana Silva and Li Wei, Uber; Sam Cole, Lyft", [("Ana Silva", "Uber"), ("Li Wei", "Uber"), ("Sam Cole", "Lyft")]),
    # three people of one organisation, the last after "and": not three organisations
    ("Ana Silva, Li Wei, and Sam Cole, Google", [("Ana Silva", "Google"), ("Li Wei", "Google"), ("Sam Cole", "Google")]),
])
def test_speaker_lines_of_one_or_several_organisations(line, pairs):
    from srefind.index.tagging.segmentation import parse_affiliation_line

    assert parse_affiliation_line(line) == pairs


THEMED = [("Observability", [("Meshing Without Tears", "Ana Silva", "Lyft", "They measured p99 latency before and after the mesh."),
                             ("Histograms Over Averages", "Priya Raman", "Datadog", "Why averages lie about latency.")]),
          ("People", [("Fewer, Better Pages", "Li Wei", "Spotify", "The on-call rotation rebuilt around fewer pages."),
                      ("Hiring SREs Without Puzzles", "Sam Cole", "GitHub", "An interview loop built on a real incident.")])]
THEMED_TALKS = [("Meshing Without Tears", ["Ana Silva"], ["Lyft"]), ("Histograms Over Averages", ["Priya Raman"], ["Datadog"]),
                ("Fewer, Better Pages", ["Li Wei"], ["Spotify"]), ("Hiring SREs Without Puzzles", ["Sam Cole"], ["GitHub"])]


@pytest.mark.parametrize("talk, wrap", [
    ("<h3>{title}</h3><p>{who}, {org}</p><p>{notes}</p>", "{}"),
    ("<li><b>{title}</b> ({who}, {org}): {notes}</li>", "<ul>{}</ul>"),
    ("<p><b>{title}</b> ({who}, {org}): {notes}</p><p>More on it: the team shared its numbers.</p>", "{}"),
])
def test_theme_headings_over_talks_are_context_and_the_talks_under_them_are_the_talks(tagger, talk, wrap):
    """A write-up grouped by theme: "Observability" and "People" headings with no text of their own,
    each over its talks (sub-headings, bold list items or bold paragraphs with the speakers in brackets)."""
    body = "".join(f"<h2>{theme}</h2>" + wrap.format("".join(talk.format(title=t, who=w, org=o, notes=n)
                                                              for t, w, o, n in items)) for theme, items in THEMED)
    got = analyze(tagger, "<p>My notes from SREcon22 Americas, grouped by theme.</p>" + body)
    assert [(e.title, e.speakers, e.companies) for e in got.entries] == THEMED_TALKS


def test_sub_headings_after_a_talks_own_text_are_its_parts_not_talks(tagger):
    talk = ("<h2>{title}</h2><p>{who}, {org} — {title}</p><h3>Why it matters</h3><p>{notes}</p>"
            "<h3>What they changed</h3><p>Every team now owns its alerts and reviews them monthly.</p>")
    body = "".join(talk.format(title=t, who=w, org=o, notes=n) for _, items in THEMED for t, w, o, n in items)
    got = analyze(tagger, "<p>My notes from SREcon22 Americas.</p>" + body)
    assert [(e.title, e.speakers, e.companies) for e in got.entries] == THEMED_TALKS
    assert all("Every team now owns its alerts" in e.summary for e in got.entries)


@pytest.mark.parametrize("row", [
    "<tr><td>{title}</td><td>{who} ({org})</td><td>{notes}</td></tr>",
    "<tr><td><b>{title}</b><br>{who}, {org}</td><td>{notes}</td></tr>",
])
def test_the_rows_of_a_table_of_talks_without_a_header_are_the_talks(tagger, row):
    """No "Talk" and "Speaker" header: a row holding a title-like line and, after it, a line of its
    speakers is a talk, whether the speakers have a cell of their own or a line under the title."""
    rows = "".join(row.format(title=t, who=w, org=o, notes=n) for _, items in THEMED for t, w, o, n in items)
    got = analyze(tagger, f"<p>My notes from SREcon22 Americas.</p><table>{rows}</table>")
    assert [(e.title, e.speakers, e.companies) for e in got.entries] == THEMED_TALKS
    assert "p99 latency" in got.entries[0].summary


def test_paragraphs_numbered_by_hand_are_a_list_of_talks(tagger):
    """'1. Title (Jane Doe, Uber). Notes' paragraphs in a row: the writer's list, a talk each."""
    paras = "".join(f"<p>{i}. {t} ({w}, {o}). {n}</p>"
                    for i, (t, w, o, n) in enumerate((x for _, items in THEMED for x in items), 1))
    got = analyze(tagger, f"<p>My notes from SREcon22 Americas.</p>{paras}<p>That was my SREcon.</p>")
    assert [(e.title, e.speakers, e.companies) for e in got.entries] == THEMED_TALKS


def test_a_paragraph_that_starts_with_a_number_is_not_a_list(tagger):
    body = ("<p>2022 was my first SREcon22 Americas, and the talks were good.</p>"
            "<p>3 things stood out: the hallway track, the lightning talks and the food.</p>")
    assert len(analyze(tagger, body).entries) == 1


def test_an_untitled_item_among_a_list_of_talks_is_a_talk_and_a_separate_list_of_questions_is_notes(tagger):
    """Most items of the list open with a talk's title ('Title - notes'); the one that does not is
    still a talk of that list, while the questions the writer listed in another list under it are
    that talk's notes, not talks."""
    body = ("<p>What I took home from the conference:</p><ul>"
            "<li>Rolling Out Service Mesh at Scale - the team moved two hundred services behind Envoy in a quarter.</li>"
            "<li>Then a load balancer story, by the Zalando folks, about draining hosts without dropping "
            "connections when the fleet is resized.</li></ul>"
            "<ol><li>How do you drain long-lived connections?</li><li>What happens to retries during a drain?</li></ol>"
            "<ul><li>Queues Everywhere - why every queue needs a limit and an owner, with numbers from production.</li>"
            "<li>Paging Less, Sleeping More - how one team halved its pages by deleting alerts nobody acted on.</li>"
            "</ul>")
    got = analyze(tagger, body)
    assert got.split == "list"
    assert [e.title for e in got.entries][::2] == ["Rolling Out Service Mesh at Scale", "Queues Everywhere"]
    assert len(got.entries) == 4
    assert got.entries[1].companies == ["Zalando"]
    assert "retries during a drain" in got.entries[1].summary


def test_a_nested_list_under_a_talk_is_its_notes(tagger):
    body = ("<ul><li>Rolling Out Service Mesh at Scale - the team moved two hundred services behind Envoy."
            "<ul><li>They started with the services that had the fewest callers and the best tests.</li>"
            "<li>Each migration step was reversible within minutes through a config flag.</li></ul></li>"
            "<li>Queues Everywhere - why every queue needs a limit and an owner, with numbers from production.</li>"
            "<li>Paging Less, Sleeping More - how one team halved its pages by deleting alerts.</li></ul>")
    got = analyze(tagger, body)
    assert [e.title for e in got.entries] == ["Rolling Out Service Mesh at Scale", "Queues Everywhere",
                                             "Paging Less, Sleeping More"]
    assert "reversible within minutes" in got.entries[0].summary


LAYOUT_NOTE = ("<p>The speakers walked through what broke, what they measured and what they changed "
               "afterwards, with numbers from two years of production.</p>")


@pytest.mark.parametrize("body", [
    # every section of the post an <h1>, as some editors make them, the speaker line under it
    "<h1>{t1}</h1><p>Maria Lindqvist, Spotify</p>{n}<h1>{t2}</h1><p>Tom Baker, Shopify</p>{n}",
    # the session's kind before the title, the speaker after a dash
    "<h3>Keynote: {t1} — Maria Lindqvist</h3>{n}<h3>Lightning talk: {t2} — Tom Baker</h3>{n}",
    # the speaker, a colon, the title
    "<h2>Maria Lindqvist: {t1}</h2>{n}<h2>Tom Baker: {t2}</h2>{n}",
    # the title, the speaker and company in brackets, in a heading or a definition list's term
    "<h2>{t1} (Maria Lindqvist, Spotify)</h2>{n}<h2>{t2} (Tom Baker, Shopify)</h2>{n}",
    "<dl><dt>{t1} (Maria Lindqvist, Spotify)</dt><dd>{n}</dd><dt>{t2} (Tom Baker, Shopify)</dt><dd>{n}</dd></dl>",
])
def test_talk_headings_give_the_title_and_the_speaker_whatever_their_form(tagger, body):
    body = "<p>My notes from the conference, two talks I liked.</p>" + body.format(
        t1="Queues That Never Drain", t2="A Year of Error Budgets", n=LAYOUT_NOTE)
    got = analyze(tagger, body)
    assert [(e.title, e.speakers) for e in got.entries] == [("Queues That Never Drain", ["Maria Lindqvist"]),
                                                           ("A Year of Error Budgets", ["Tom Baker"])]


def test_a_title_and_subtitle_heading_is_not_a_speaker_and_a_title(tagger):
    body = ("<h2>OK Log: Coordination-Free Logging</h2>" + LAYOUT_NOTE
            + "<h2>Queues Everywhere: A Field Guide</h2>" + LAYOUT_NOTE)
    got = analyze(tagger, body)
    assert [(e.title, e.speakers) for e in got.entries] == [("OK Log: Coordination-Free Logging", []),
                                                           ("Queues Everywhere: A Field Guide", [])]


def test_one_heading_repeated_atop_embedded_posts_is_not_a_talk(tagger):
    """Embedded social posts each carry the same <h1> ('SREcon'): the post is one talk's notes."""
    body = ("<p>Jane Doe (Acme)</p><p>Next talk: a guide to network monitoring.</p>"
            + "".join(f"<h1>SREcon</h1><p>Point {i} the speaker made about probes and the paths they take "
                      f"through other networks.</p>" for i in range(4)))
    got = analyze(tagger, body, title="SREcon20 Americas: A Guide to Network Monitoring")
    assert len(got.entries) == 1


@pytest.mark.parametrize("body, speakers", [
    ("<h2>Talk 1: {t1}</h2>{n}<h2>Talk 2: {t2}</h2>{n}", [[], []]),
    ("<h3>10:30 — {t1}</h3>{n}<h3>11:15–12:00 {t2}</h3>{n}", [[], []]),
    ("<h2>🎤 {t1}</h2>{n}<h2>🎤 {t2}</h2>{n}", [[], []]),
    ("<h2>“{t1}”</h2><p>by Maria Lindqvist, Spotify</p>{n}<h2>“{t2}”</h2><p>by Tom Baker, Shopify</p>{n}",
     [["Maria Lindqvist"], ["Tom Baker"]]),
    ("<h2>Maria Lindqvist - {t1}</h2>{n}<h2>Tom Baker - {t2}</h2>{n}", [["Maria Lindqvist"], ["Tom Baker"]]),
    ("<ul><li><strong>{t1}</strong> — Maria Lindqvist (Spotify): {n_}</li>"
     "<li><strong>{t2}</strong> — Tom Baker (Shopify): {n_}</li></ul>", [["Maria Lindqvist"], ["Tom Baker"]]),
    ("<p><strong>{t1}</strong> by Maria Lindqvist. {n_}</p><p><strong>{t2}</strong> by Tom Baker. {n_}</p>",
     [["Maria Lindqvist"], ["Tom Baker"]]),
])
def test_what_a_talk_heading_carries_besides_the_title_is_not_the_title(tagger, body, speakers):
    """A session number, a time slot, a pictograph or quotes around it; the speaker on the bold
    title's other side of a dash or after 'by'."""
    body = "<p>My notes from the conference, two talks I liked.</p>" + body.format(
        t1="Queues That Never Drain", t2="A Year of Error Budgets", n=LAYOUT_NOTE, n_=LAYOUT_NOTE[3:-4])
    got = analyze(tagger, body)
    assert [e.title for e in got.entries] == ["Queues That Never Drain", "A Year of Error Budgets"]
    assert [e.speakers for e in got.entries] == speakers


def test_a_prose_recap_is_split_by_who_spoke_and_labelled_by_what_about(tagger):
    body = ("<p>SREcon was a good one this year.</p>"
            "<p>Maria Lindqvist from Spotify talked about queues that never drain. " + LAYOUT_NOTE[3:-4] + "</p>"
            "<p>Tom Baker from Shopify gave a talk on error budgets, and why they slip. " + LAYOUT_NOTE[3:-4] + "</p>"
            "<p>Daniel Kowalski of Zalando presented how they rebuilt paging. " + LAYOUT_NOTE[3:-4] + "</p>")
    got = analyze(tagger, body)
    assert [(e.speakers, e.companies) for e in got.entries] == [
        (["Maria Lindqvist"], ["Spotify"]), (["Tom Baker"], ["Shopify"]), (["Daniel Kowalski"], ["Zalando"])]
    assert [e.title for e in got.entries][:2] == ["Maria Lindqvist from Spotify on queues that never drain",
                                                 "Tom Baker from Shopify on error budgets"]


@pytest.mark.parametrize("talk, speakers", [
    # a wholly bold line above each talk's notes: a heading made by hand
    ("<p><strong>{t}</strong></p><p>{n}</p>", False),
    # a bold title opening the paragraph of notes, with a dash or a colon (inside the bold or after it)
    ("<p><strong>{t}</strong> – {n}</p>", False),
    ("<p><strong>{t}:</strong> {n}</p>", False),
    # the title quoted, then 'by' the speaker and the company
    ("<p>“{t}” by {w} ({o})</p><p>{n}</p>", True),
    # the speaker as the heading, the title on the line under it
    ("<h3>{w} ({o})</h3><p><em>{t}</em></p><p>{n}</p>", True),
])
def test_hand_made_headings_and_speaker_headings_find_each_talk(tagger, talk, speakers):
    talks = [("Queues That Never Drain", "Maria Lindqvist", "Spotify"), ("A Year of Error Budgets", "Tom Baker", "Shopify"),
             ("Rebuilding the Pager", "Daniel Kowalski", "Zalando")]
    body = "<p>My notes from the conference.</p>" + "".join(
        talk.format(t=t, w=w, o=o, n=LAYOUT_NOTE[3:-4]) for t, w, o in talks)
    got = analyze(tagger, body)
    assert [e.title for e in got.entries] == [t for t, _, _ in talks]
    assert [e.speakers for e in got.entries] == ([[w] for _, w, _ in talks] if speakers else [[], [], []])


def test_bold_labels_that_are_not_titles_do_not_split_a_post(tagger):
    body = ("<p>SREcon24 EMEA was my first conference as a speaker.</p>"
            "<p><strong>Update:</strong> the slides of my talk on queue limits are now online, with the recording.</p>"
            "<p><strong>Full disclosure:</strong> my employer paid for the trip, and for the hotel near the venue.</p>")
    assert len(analyze(tagger, body).entries) == 1


@pytest.mark.parametrize("bold", [False, True])
def test_a_picks_post_grouped_by_theme_with_time_slots_gives_each_talk(tagger, bold):
    """'Must see' themes over talks given as a time slot, the title (bold or not), a speaker line,
    the abstract, the bio and the writer's comment."""
    def talk(slot: str, title: str, who: str) -> str:
        shown = f"<strong>{title}</strong>" if bold else title
        return (f"<p>{slot}</p><p>{shown}</p><p>{who}</p>{LAYOUT_NOTE}"
                f"<p>{who.split(',')[0]} has worked on paging systems for a decade.</p>"
                "<p>My comment: the best talk of the morning.</p>")
    body = ("<p>Here are my picks.</p><h2>Must See</h2>"
            + talk("Tuesday, 14:15–15:00 (Opening Plenary)", "Queues That Never Drain", "Maria Lindqvist, Spotify")
            + talk("Tuesday, 15:00–16:00", "A Year of Error Budgets", "Tom Baker, Shopify")
            + "<h2>Great Teams</h2>" + talk("Wednesday, 09:00–09:45", "Rebuilding the Pager", "Daniel Kowalski, Zalando"))
    got = analyze(tagger, body, title="Best talks at SREcon24")
    assert [(e.title, e.speakers, e.companies) for e in got.entries] == [
        ("Queues That Never Drain", ["Maria Lindqvist"], ["Spotify"]),
        ("A Year of Error Budgets", ["Tom Baker"], ["Shopify"]),
        ("Rebuilding the Pager", ["Daniel Kowalski"], ["Zalando"])]


def test_the_people_whose_bios_follow_a_presenters_heading_are_the_speakers(tagger):
    body = ("<p>Alerts that nobody acts on are worse than none: this talk shows how to find and delete them.</p>"
            "<h3>Presenters</h3>"
            "<p>Maria Lindqvist's background is in networking and large fleets of load balancers.</p>"
            "<p>Tom Baker (Shopify) started his career writing pagers for a telco.</p>"
            "<p>Ramprasad is a member of the reliability team at a marketplace.</p>"
            "<h3>Notes</h3><p>Good talk, with a demo that worked.</p>")
    (e,) = analyze(tagger, body, title="SREcon19: Paging Less").entries
    assert e.speakers == ["Maria Lindqvist", "Tom Baker", "Ramprasad"]


def test_a_post_with_its_talks_short_description_is_about_that_one_talk_by_its_writer(tagger):
    html = ("<html><head><title>My SREcon25 talk was accepted</title><meta name='author' content='Jane Doe'></head>"
            "<body><article><h1>My SREcon25 talk was accepted</h1><h2>A Preview</h2><h3>Talk Short Description</h3>"
            "<p>How a small team adopted SLOs on the fourth try, and the readiness test that came out of it.</p>"
            "<h2>Getting Ready for the Stage</h2><p>I rehearsed my talk for the conference with the team twice.</p>"
            "</article></body></html>")
    got = tagger.analyze(extract("http://blog.test/2025/07/01/accepted/", html))
    assert [(e.title, e.speakers) for e in got.entries] == [("My SREcon25 talk was accepted", ["Jane Doe"])]


def test_a_speaker_line_a_label_and_a_company_named_by_a_common_word_do_not_split_one_talks_notes(tagger):
    """One talk's live notes: 'Jane Doe (Microsoft)' is a speaker line, 'Twitter threads: …' a label,
    'Blameless culture is …' an ordinary word that is also a company — none opens a talk of its own."""
    body = ("<p>Jane Doe (Microsoft)</p><p>Twitter threads: jdoe (me) | rroe (Rick Roe)</p>"
            "<p>Next talk: the human side of pager fatigue, and what on-call does to people over years.</p>"
            "<p>On-call is unpredictable work on purpose; other professions such as medicine know this well.</p>"
            "<p>Blameless culture is part of it: learning counts as a success, not only uptime and closed tickets.</p>"
            "<p>Leadership has to give people time to learn the systems they are on call for, every quarter.</p>")
    got = analyze(tagger, body, title="SREcon20 Americas: Human Factors and Pager Fatigue")
    assert [(e.title, e.speakers, e.companies) for e in got.entries] == [
        ("Human Factors and Pager Fatigue", ["Jane Doe"], ["Microsoft"])]


def test_paragraphs_that_open_with_their_talks_company_still_split_a_recap(tagger):
    body = ("<p>My first SREcon, in short.</p>"
            "<p>Uber uses a regression model of trips against CPU to predict how many servers each city needs.</p>"
            "<p>JET developed an internal tracing system that carries one id per transaction through every service.</p>"
            "<p>Shopify built an onboarding app so that product teams get a new service running on Kubernetes.</p>")
    got = analyze(tagger, body, title="SREcon18 notes")
    assert [e.companies for e in got.entries] == [["Uber"], ["Jet.com"], ["Shopify"]]


def test_the_chapters_of_a_post_about_the_writers_own_talk_are_not_talks(tagger):
    body = ("<p>I gave my first conference talk this year, on mentoring, from a mentee's side.</p>"
            "<h2>The Beginning...</h2><p>My manager asked a few of us to submit a talk, and I did.</p>"
            "<h2>So I prepared my talk...</h2><p>And I practised a lot, in front of the team, twice a week.</p>"
            "<h2>Then the Day Arrived</h2><p>I spoke about what it is like to be new, and what a mentor changes.</p>"
            "<h2>Thank you!</h2><p>To everyone who helped me get there.</p>")
    got = analyze(tagger, body, title="So I presented at SREcon18 Asia")
    assert len(got.entries) == 1 and got.entries[0].title.startswith("So I presented")


def test_a_bold_title_with_its_speakers_in_italics_in_the_same_paragraph_starts_a_talk(tagger):
    """'<p><b>Title</b> <em>Jane Doe &amp; John Roe</em> Slides here. Notes</p>' — no punctuation
    between title, speakers and notes, only the type; or the names alone up to 'Slides'."""
    body = ("<p>The talks I went to today.</p>"
            "<p><strong>Queues That Never Drain</strong>\n<em>Maria Lindqvist &amp; Tom Baker</em>\nSlides found "
            "<a href='/s'>here</a>. The talk was about limits on every queue, and who owns them.</p>"
            "<p>Some more notes on the queue limits, and on the owners of each one.</p>"
            "<p><strong>Security and SRE: Force Multipliers</strong>\nDaniel Kowalski\nSlides <a href='/t'>here</a></p>"
            "<ul><li>Trust but verify</li><li>Every security fix has to scale</li></ul>")
    got = analyze(tagger, body)
    assert [(e.title, e.speakers) for e in got.entries] == [
        ("Queues That Never Drain", ["Maria Lindqvist", "Tom Baker"]),
        ("Security and SRE: Force Multipliers", ["Daniel Kowalski"])]


def test_a_calendar_of_events_that_lists_srecon_is_not_a_write_up(tagger):
    items = ["DevOpsDays Geneva (21st-22nd)", "QCon London (4th-8th)", "Usenix SRECon Americas (25th-27th)",
             "KubeCon Barcelona (20th-23rd)", "Monitorama Portland (3rd-5th)", "DevOpsDays Austin (2nd-3rd)",
             "SREcon Asia (12th-14th)", "FOSDEM (2nd-3rd)"]
    body = ("<p>My list of next year's conferences, ping me to add one.</p><ul>"
            + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
    got = analyze(tagger, body, title="2019 Conferences", url="http://notes.test/2018/11/08/2019-conferences/")
    assert not got.relevant and "list of events" in got.reason


def test_notes_that_report_a_talk_label_it_by_what_was_reported(tagger):
    body = ("<h2>Day 1</h2><ul>"
            "<li>Jane Doe's keynote highlighted the significance of eBPF for tracing the kernel.</li>"
            "<li>Deploying and debugging HTTP/3 was briefly touched upon, with a demo of the handshake.</li>"
            "<li>SRE principles applied to cybersecurity emphasised error budgets for security work.</li></ul>")
    got = analyze(tagger, body)
    assert [e.title for e in got.entries] == ["Jane Doe's keynote: the significance of eBPF for tracing the kernel",
                                             "Deploying and debugging HTTP/3", "SRE principles applied to cybersecurity"]
    assert "security" in got.entries[2].topics


@pytest.mark.parametrize("line, people", [
    ("Laura Maguire, PhD, Jeli", [("Laura Maguire", "Jeli")]),
    ("Jane Doe, Jr., Uber", [("Jane Doe", "Uber")]),
    ("Laura Maguire, PhD", None),
])
def test_a_degree_or_generational_suffix_is_part_of_the_name_not_an_organisation(line, people):
    from srefind.index.tagging.segmentation import parse_affiliation_line

    assert parse_affiliation_line(line) == people
