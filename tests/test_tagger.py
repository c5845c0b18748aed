"""The NLTK tagging pipeline, specified on small pages written for these tests."""

from __future__ import annotations

import json

import pytest

from srefind.crawler.extract import extract
from srefind.index.tagging import Tagger, guess_conference
from srefind.index.tagging.text import length_in_words

from conftest import run_cli


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def page(body: str, url: str = "http://blog.test/2019/04/01/srecon-notes/", title: str = "SREcon19 notes"):
    html = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
    return extract(url, html)


def entries(tagger: Tagger, *args, **kwargs):
    return tagger.analyze(page(*args, **kwargs)).entries


def test_one_paragraph_per_talk_becomes_one_entry_per_talk(tagger):
    body = (
        "<p>My notes from SREcon18 Americas, day two, the talks worth remembering.</p>"
        "<p>Dropbox explained how they rebuilt their monitoring pipeline around a new time series database.</p>"
        "<p>Netflix walked through chaos engineering experiments they run against production every week.</p>"
        "<p>LinkedIn described moving their Kafka clusters to a new datacenter without downtime for the consumers.</p>"
    )
    got = entries(tagger, body, title="SREcon18 Americas day two")
    assert [e.companies[:1] for e in got] == [["Dropbox"], ["Netflix"], ["LinkedIn"]]
    assert len({e.url for e in got}) == 3 and all("#" in e.url for e in got)
    assert "observability" in got[0].topics and "chaos-engineering" in got[1].topics
    # an untitled talk is labelled by its subject and what it did, not by its whole first sentence
    assert [e.title for e in got] == ["Dropbox: how they rebuilt their monitoring pipeline around a new time series database",
                                      "Netflix: chaos engineering experiments they run",
                                      "LinkedIn: moving their Kafka clusters to a new datacenter"]


def test_headings_naming_talk_and_speaker_split_the_page(tagger):
    body = (
        "<h2 id='a'>Keeping the Balance — Laura Nolan (Slack)</h2><p>Load balancing at internet scale, from DNS "
        "to anycast and the load balancers behind them, with the failure modes of each layer.</p>"
        "<h2 id='b'>Latency SLOs Done Right — Heinrich Hartmann (Circonus)</h2><p>Why latency SLOs computed from "
        "averaged percentiles are wrong, and how histograms give error budgets you can trust.</p>"
    )
    a, b = entries(tagger, body)
    assert (a.title, a.speakers, a.companies, a.url.endswith("#a")) == ("Keeping the Balance", ["Laura Nolan"], ["Slack"], True)
    assert b.companies == ["Circonus"] and "slo" in b.topics and "networking" in a.topics


def test_a_list_of_talks_by_speaker_becomes_entries(tagger):
    body = (
        "<p>SREcon Europe 2017 was great; a few talks I liked:</p><ul>"
        "<li>Anycast Is Not Load Balancing by Murali Suriar</li>"
        "<li>Automated Debugging of Bad Deployments by Joe Gordon</li>"
        "<li>Incident Management and Chatops at Shopify by Daniella Niyonkuru</li></ul>"
    )
    got = entries(tagger, body, title="SREcon Europe 2017")
    assert [e.title for e in got] == ["Anycast Is Not Load Balancing", "Automated Debugging of Bad Deployments",
                                      "Incident Management and Chatops at Shopify"]
    assert got[2].companies == ["Shopify"] and got[0].speakers == ["Murali Suriar"]
    assert {e.conference for e in got} == {"SREcon17 Europe"}


def test_jet_in_an_event_sourcing_write_up_is_jet_com_but_jet_lag_is_nothing(tagger):
    (e,) = entries(tagger, "<p>At SREcon18 Americas, JET engineers showed a tracing system for their event "
                           "sourcing platform, carrying a correlation id through every event.</p>" * 2)
    assert "Jet.com" in e.companies
    (e,) = entries(tagger, "<p>Jet lag hit hard at SREcon18 Americas, but the talks on distributed tracing and "
                           "spans kept me awake; correlation ids everywhere.</p>" * 2)
    assert "Jet.com" not in e.companies


def test_passing_mentions_are_not_companies(tagger):
    body = ("<p>At SREcon19 Americas, Jane Doe (Acme Widgets) talked about error budgets. Their SLO process "
            "works much like Google does it, and the team read the Google SRE book first. The event was sponsored "
            "by Microsoft, Amazon and Dropbox.</p>")
    (e,) = entries(tagger, body)
    assert e.companies == ["Acme Widgets"]
    assert e.speakers == ["Jane Doe"]


def test_companies_a_talk_cites_as_examples_are_not_its_companies(tagger):
    body = ("<p>At SREcon24 EMEA, Jane Doe (Wikimedia Foundation) asked where IPv6 stands after thirty years.</p>"
            "<p>The adoption numbers are uneven. Spotify, Shopify and Zalando serve most users over IPv6 already. "
            "Netflix moved its device fleet over years ago, she said.</p>"
            "<p>Her own team runs dual-stack everywhere and plans to drop IPv4 internally next year.</p>")
    (e,) = entries(tagger, body)
    assert e.companies == ["Wikimedia Foundation"]
    # without a speaker's company to own the talk, the company it opens on is its subject
    (e,) = entries(tagger, "<p>At SREcon24 EMEA: Netflix moved its whole device fleet to IPv6, and the talk "
                           "told how Netflix did it, region by region.</p>")
    assert e.companies == ["Netflix"]


def test_where_a_talk_was_written_up_is_not_who_gave_it(tagger):
    """A publisher named as the place a talk's material was printed ('the ACM Queue magazine') is a
    passing mention, not the talk's company."""
    (e,) = entries(tagger, "<p>At SREcon19 EMEA, Priya Raman presented how her team sizes its caches from "
                           "queueing models.</p><p>The material was later written up in the ACM Queue magazine.</p>"
                           "<p>ACM Queue 17/2: https://queue.acm.org/detail.cfm?id=1</p>")
    assert e.companies == []


def test_an_affiliation_without_punctuation_is_still_the_speakers_company(tagger):
    """'by Jane Doe Uber' in a title line, and 'Omar is a Shopify production engineer' in a note:
    a company right after the speaker's name, or naming their role, is where they work."""
    body = ("<h3>1. Cache Warmups That Do Not Melt Databases by Priya Raman Netflix</h3>"
            "<ul><li>Cold caches after a region failover doubled the database load.</li>"
            "<li>They now warm caches from a replay of the previous hour.</li></ul>"
            "<h3>2. Config Pushes Without Fear by Omar Haddad</h3>"
            "<ul><li>Omar is a Shopify production engineer.</li>"
            "<li>Every config change goes to one canary host first, then to one rack.</li></ul>")
    got = {e.title: (e.companies, e.speakers) for e in entries(tagger, body)}
    assert got == {"Cache Warmups That Do Not Melt Databases": (["Netflix"], ["Priya Raman"]),
                   "Config Pushes Without Fear": (["Shopify"], ["Omar Haddad"])}


def test_three_companies_in_a_row_are_a_list_of_examples(tagger):
    (e,) = entries(tagger, "<p>Notes from SREcon24 EMEA on alert fatigue.</p><p>Spotify, Shopify, and Zalando "
                           "all page on symptoms now, and the speaker thought every team should.</p>" * 2)
    assert not {"Spotify", "Shopify", "Zalando"} & set(e.companies)


@pytest.mark.parametrize("line, org", [
    ("Jane Doe (Stripe) opened SREcon19 with a talk on retries.", "Stripe"),
    ("Jane Doe from Bloomberg opened SREcon19 with a talk on retries.", "Bloomberg"),
    ("Jane Doe works as an SRE at Yelp and opened SREcon19 with a talk on retries.", "Yelp"),
    ("Facebook engineers opened SREcon19 with a talk on retries.", "Meta"),
    ("Engineers at AWS opened SREcon19 with a talk on retries.", "Amazon"),
    # a brand written as its lower-case domain
    ("Jane Doe, incident.io — Retries at SREcon19, and what they cost.", "incident.io"),
])
def test_affiliation_forms_and_aliases_resolve_to_canonical_names(tagger, line, org):
    (e,) = entries(tagger, f"<p>{line} The retries talk covered backoff, jitter and retry budgets at length.</p>")
    assert org in e.companies


@pytest.mark.parametrize("text, expected", [
    ("SREcon18 Americas", ("SREcon18 Americas", 2018)),
    ("SREcon America 2018", ("SREcon18 Americas", 2018)),
    ("SREcon Europe 2017", ("SREcon17 Europe", 2017)),
    ("SREcon EMEA 2025", ("SREcon25 EMEA", 2025)),
    ("SREcon19 Asia/Pacific", ("SREcon19 APAC", 2019)),
    ("SREcon21", ("", 2021)),
])
def test_conference_names_are_normalised(text, expected):
    g = guess_conference("http://x.test/post/", f"Notes from {text}", f"I was at {text} this year.")
    assert (g.conference, g.year) == expected


def test_organiser_url_names_the_conference():
    g = guess_conference("http://x.test/conference/srecon19emea/presentation/a/", "A talk", "")
    assert (g.conference, g.year) == ("SREcon19 EMEA", 2019)


def test_a_four_digit_year_in_the_url_is_that_year_not_its_first_two_digits():
    # "srecon-2019" is SREcon 2019, not SREcon20
    g = guess_conference("http://x.test/notes/srecon-2019/", "SRECON 2019", "Notes from SRECON 2019 in Dublin.")
    assert g.year == 2019


def test_one_passing_word_is_not_a_topic(tagger):
    (e,) = entries(tagger, "<p>At SREcon19 Americas the talk on hiring and career ladders for SREs was great: how "
                           "to interview, how to grow people into senior roles, mentoring and burnout. The speaker "
                           "mentioned a dashboard once.</p>")
    assert "culture" in e.topics and "observability" not in e.topics


@pytest.mark.parametrize("summary, topic", [
    ("<p>At SREcon22 EMEA a lead from a bank told how her org grew its first reliability group from two people "
     "to forty: when to split a team, when to disband one, and how to keep talent once team growth slows.</p>",
     "culture"),
    ("<p>My SREcon19 Asia talk walked through a small distributed file system written for teaching: how "
     "chunks are placed on servers, what the metadata node keeps, and what happens when a node dies.</p>",
     "distributed-systems"),
    ("<p>At SREcon18 Americas the access team showed how engineers log in to hosts with short-lived SSH "
     "certificates instead of SSH keys kept forever: users authenticate against the company directory first.</p>",
     "security"),
    ("<p>My SREcon25 EMEA proposal is about changing how our product teams work: the cultural change of "
     "putting developers on call for what they build, which is a people problem more than a tooling one, "
     "and how we broke down the silos between the two groups.</p>",
     "culture"),
])
def test_the_vocabulary_of_a_topic_reaches_past_its_headline_words(tagger, summary, topic):
    (e,) = entries(tagger, summary)
    assert topic in e.topics


def test_the_conferences_own_events_are_not_event_driven_systems(tagger):
    """'Event' in a write-up is mostly the conference's (a meetup, an evening event): only the
    architecture's phrases (event sourcing, event-driven) say distributed systems."""
    (e,) = entries(tagger, "<p>SREcon23 EMEA was my first conference as a speaker, and I went to every event the "
                           "organisers ran: the newcomers' event on Monday, the lightning-talk event and the evening "
                           "events. My own talk was about scaling our on-call rota across three timezones without "
                           "burning people out, and what we learned when the rota grew faster than the team.</p>")
    assert "distributed-systems" not in e.topics
    (e,) = entries(tagger, "<p>At SREcon18 Americas the payments team showed their event sourcing design: every "
                           "change is an event appended to a log, and the read side is rebuilt from it.</p>")
    assert "distributed-systems" in e.topics


def test_a_short_japanese_write_up_is_read_by_its_length_and_its_latin_terms(tagger):
    """Japanese has no spaces between words: the page is as long as its characters say (not too
    short to be a write-up), its talk words count ('登壇' is giving a talk), and its topics come from
    the Latin-script terms in it, weighed against what can be read of it."""
    body = ("<p>SREcon19 Asia で、サーバーの memory が足りなくなったときに何が起きるかについて話しました。</p>"
            "<p>本番環境では OOM が起きる前に兆候をつかむことが大切です。 スワップを無効にしたマシンでは、"
            "キャッシュが追い出されて応答が遅くなり、 最後にはプロセスが強制終了されます。</p>"
            "<p>講演では、 私たちのチームがこの問題をどう見つけ、 どう直したかを順を追って説明しました。"
            " 質問をくださった皆さん、 ありがとうございました。</p>")
    result = tagger.analyze(page(body, url="http://blog.test/ja/2019/06/20/srecon19-asia/",
                                 title="SREcon19 Asia 登壇レポート"))
    assert result.relevant, result.reason
    (e,) = result.entries
    assert e.topics == ["performance"] and e.conference == "SREcon19 APAC"


@pytest.mark.parametrize("lang, text", [
    ("de", "Der beste Vortrag kam von zwei Kolleginnen, die erklärt haben, wie sie ihre Kafka-Cluster ohne "
           "Ausfallzeit auf neue Hardware umgezogen haben, mit vielen Zahlen und einem ehrlichen Blick zurück."),
    ("es", "La mejor charla fue de dos compañeras que explicaron cómo movieron sus clústeres de Kafka a hardware "
           "nuevo sin cortes, con muchos números y una mirada honesta a los errores del camino."),
])
def test_a_write_up_in_another_language_is_about_a_talk_by_its_own_talk_words(tagger, lang, text):
    """SREcon only in the title, and the text says 'Vortrag' or 'charla' where English says 'talk'."""
    result = tagger.analyze(page(f"<p>{text}</p>", url=f"http://blog.test/{lang}/2023/10/20/srecon23/",
                                 title="SREcon23 EMEA"))
    assert result.relevant, result.reason


def test_length_in_words_counts_every_script():
    assert length_in_words("plain English words, four more") == 5
    assert length_in_words("Ein schöner Vortrag über Österreich") == 5  # accents split no words
    assert length_in_words("Доклад о надёжности") == 3
    assert length_in_words("講演を聞きました") == 4  # eight characters: about four words


def test_a_heading_that_starts_a_talks_title_takes_the_full_title_its_link_gives(tagger):
    """Writers head a section with the short form of a talk's title and link the full one in the
    text under it: the entry carries the full title. A link that merely begins with the heading's
    words, with no subtitle after them, leaves the heading alone."""
    body = ("<h2>Queues Everywhere</h2><p>Priya walked through <a href='https://conf.test/talks/priya'>Queues "
            "Everywhere: What a Year of Backpressure Taught Our Payments Team</a>, with graphs of their retry "
            "storms.</p>"
            "<h2>Cheap Canaries</h2><p>Then a short one: <a href='https://conf.test/talks/tom'>Cheap canaries "
            "are still canaries</a>, about rolling out config changes to one host first.</p>")
    titles = [e.title for e in entries(tagger, body)]
    assert titles == ["Queues Everywhere: What a Year of Backpressure Taught Our Payments Team", "Cheap Canaries"]


def test_a_plural_whose_singular_means_something_else_is_not_folded(tagger):
    """'Five nines' is availability; 'nine hours' is a duration, not the SLO term's singular."""
    first, _ = entries(tagger, "<h2>Nine Hours of Failover</h2><p>At SREcon22 Americas: the story of a database "
                               "failover that took nine hours, and what the team changed afterwards.</p>"
                               "<h2>Fewer, Better Pages</h2><p>How the on-call rotation was rebuilt around fewer "
                               "pages that each mean something.</p>")
    assert first.title == "Nine Hours of Failover" and "slo" not in first.topics
    (e,) = entries(tagger, "<p>At SREcon22 Americas the storage team explained what five nines of availability "
                           "cost them, and why they now promise four nines with an error budget.</p>")
    assert "slo" in e.topics


def test_accented_spellings_match_the_plain_terms(tagger):
    (e,) = entries(tagger, "<p>At SREcon18 Americas the capacity team explained their na\u00efve Bayes model for "
                           "sorting postmortem data, and a co\u00f6rdination-free design for the log store.</p>")
    assert {"ml", "distributed-systems"} <= set(e.topics)


def test_off_topic_pages_are_not_indexed(tagger):
    result = tagger.analyze(page("<p>My sourdough starter finally doubled overnight. Here is the recipe with "
                                 "flour, water, salt and patience, plus the timings that worked.</p>",
                                 url="http://blog.test/2020/01/01/sourdough/", title="Sourdough"))
    assert not result.relevant and not result.entries


def test_srefind_tag_prints_entries_with_evidence(tmp_path):
    f = tmp_path / "post.html"
    f.write_text("<html><head><title>SREcon18 Americas</title></head><body><article><h1>SREcon18 Americas</h1>"
                 "<p>Uber uses machine learning to forecast capacity: a linear regression model of trips against "
                 "CPU predicts how many hosts each service needs.</p></article></body></html>")
    proc = run_cli("tag", str(f), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    (e,) = out["entries"]
    assert e["companies"] == ["Uber"] and "ml" in e["topics"]
    assert any("Uber" in line for line in e["evidence"]["company:Uber"])
    assert out["conference"] == "SREcon18 Americas"


def test_a_bad_lexicon_file_is_refused_with_file_and_line(tmp_path):
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "topics.toml").write_text('[topics.tracing]\nstrong = ["x"\n')
    f = tmp_path / "p.html"
    f.write_text("<html><body><article><h1>SREcon19</h1><p>text</p></article></body></html>")
    proc = run_cli("tag", str(f), "--data-dir", str(tmp_path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "topics.toml:" in proc.stderr


def test_crawled_text_that_looks_like_terminal_markup_prints_as_itself(tmp_path):
    f = tmp_path / "p.html"
    f.write_text("<html><body><article><h1>SREcon19 Americas: tracing [/bold] talk [red]</h1><p>At SREcon19 "
                 "Americas, Jane Doe (Uber) talked about distributed tracing [/] with spans and trace ids.</p>"
                 "</article></body></html>")
    proc = run_cli("tag", str(f))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "tracing [/bold] talk [red]" in proc.stdout


def test_a_speakers_past_jobs_and_studies_are_not_the_talks_companies(tagger):
    (e,) = entries(tagger, "<p>At SREcon19 Americas, a talk on how one team cut its pages in half by deleting alerts "
                           "nobody acted on, and what it learned about ownership along the way.</p>"
                           "<p>Dana Whitfield is a staff SRE at Fastly. Before joining Fastly, she spent four years "
                           "on the storage team at Dropbox. She interned at Google and holds a master's degree from "
                           "the University of Michigan.</p>", title="Deleting alerts")
    assert "Fastly" in e.companies
    assert not {"Dropbox", "Google"} & set(e.companies)


def test_a_company_that_previously_did_something_is_still_the_subject(tagger):
    (e,) = entries(tagger, "<p>At SREcon19 Americas: Netflix previously ran every stateful service on one shared "
                           "cluster. The talk walked through how Netflix engineers split it into cells, one "
                           "migration at a time, and what broke on the way.</p>", title="Cells at scale")
    assert "Netflix" in e.companies


@pytest.mark.parametrize("bio", [
    "Jane Doe is a staff engineer at Acme Widgets, where she ran the Kubernetes and cloud migration.",
    "Jane Doe is GCP quantitative reliability lead, and ran the Kubernetes and cloud migration there.",
])
def test_what_a_speaker_bio_names_is_not_what_the_talk_is_about(tagger, bio):
    body = (f"<p>Notes from SREcon19 EMEA: a talk on how teams set error budgets together.</p><p>{bio}</p>"
            "<p>The talk itself was about error budgets and the SLO reviews that keep them honest.</p>")
    (e,) = entries(tagger, body)
    assert "slo" in e.topics
    assert "kubernetes" not in e.topics and "cloud" not in e.topics


def test_a_sentence_listing_a_fields_subjects_is_about_none_of_them(tagger):
    """A curriculum or an abstract of everything ('Basics: Paging, Dashboards, Capacity planning,
    Canary releases and DNS') names what a field covers; the talk is about what the rest says."""
    body = ("<p>At SREcon19 Asia the keynote was about growing as an SRE. The speaker split the craft into "
            "levels. Basics: Paging, Dashboards, Capacity planning, Canary releases, and DNS. Beyond them, "
            "the talk was about careers: mentoring juniors, how promotions in an SRE team are decided, hiring "
            "for curiosity, and how to avoid burnout when the team grows faster than its seniors.</p>")
    (e,) = entries(tagger, body)
    assert e.topics == ["culture"]


def test_items_of_a_list_that_each_carry_a_sentence_still_count(tagger):
    """Only short items are an enumeration: a sentence that says something of each subject is about them."""
    body = ("<p>At SREcon19 Asia the database team showed how they run MySQL at scale: replicas are rebuilt "
            "from snapshots, schema migrations run online through a queue of changes, and failover of the "
            "primary database is automated by their orchestrator with no manual step.</p>")
    (e,) = entries(tagger, body)
    assert "databases" in e.topics


def test_the_speakers_own_company_is_not_evidence_of_what_the_talk_is_about(tagger):
    """A monitoring vendor's or a cloud's engineers giving a talk on DNS or on hiring: their
    company's name is a term of a topic, but who gave the talk is not what it is about."""
    (e,) = entries(tagger, "<p>At SREcon24 EMEA, Jane Doe (Datadog) told how a DNS resolver cache made every "
                           "lookup in the cluster slow for a week, and how the resolver was finally replaced.</p>")
    assert "Datadog" in e.companies and "observability" not in e.topics and "networking" in e.topics
    (e,) = entries(tagger, "<p>At SREcon18 Americas the Microsoft Azure SRE team proposed hiring for curiosity: "
                           "how they interview, grow juniors into seniors, and keep people from burning out.</p>")
    assert "Microsoft" in e.companies and "cloud" not in e.topics and "culture" in e.topics
    (e,) = entries(tagger, "<p>At SREcon18 Americas a retailer told how it moved from its own data centres to "
                           "Azure: the cloud migration took a year, and the cloud costs came down by a third.</p>")
    assert "cloud" in e.topics


@pytest.mark.parametrize("line", ["Twitter threads: jdoe (me) | rroe (Rick Roe)", "Twitter: @jdoe",
                                  "My LinkedIn profile has the slides.", "Live-tweets on Twitter feeds: see below."])
def test_a_social_account_is_not_a_talks_company(tagger, line):
    body = (f"<p>{line}</p><p>At SREcon20 Americas, Jane Doe (Acme Widgets) showed how her team runs its "
            "incident reviews, with notebooks that keep every query and graph of the incident.</p>")
    (e,) = entries(tagger, body)
    assert e.companies == ["Acme Widgets"]


def test_a_magazine_named_queue_is_no_queue(tagger):
    """'ACM Queue' is where an article ran, not a message queue."""
    filler = ("The tutorial taught how to read such data with means, quantiles and a few plots, which "
              "summaries mislead and which do not, and how to explain all of it to a team that has only "
              "ever looked at averages. ") * 4
    body = (f"<p>At SREcon19 EMEA, a tutorial on statistics for engineers.</p>"
            f"<p>Telemetry is key to running reliable distributed systems.</p><p>{filler}</p>"
            "<p>Once the monitoring records it, the data has to be made sense of.</p>"
            "<p>Forecasting and scalability analysis were touched on at the end.</p>"
            "<p>A longer write-up ran in ACM Queue.</p><p>The ACM Queue article has the exercises.</p>")
    (e,) = entries(tagger, body)
    assert "distributed-systems" not in e.topics and "observability" in e.topics


@pytest.mark.parametrize("title, body", [
    ("We're hiring SREs", "<p>Our team is hiring site reliability engineers in Berlin. You will run our platform, "
                          "be on call one week in six, and everyone goes to a conference a year, SREcon included.</p>"),
    ("Berlin SRE meetup #12 recap", "<p>The twelfth Berlin SRE meetup had two talks on on-call. The first speaker "
                                    "gives the same talk at SREcon next spring; the second spoke at SREcon last year.</p>"),
    ("SREcon24 Americas call for participation", "<p>The call for participation is open until November: submit "
                                                 "talks, panels and workshops; the committee reviews every one.</p>"),
])
def test_pages_that_name_srecon_without_being_about_one_of_its_talks_are_not_indexed(tagger, title, body):
    analysis = tagger.analyze(page(body, url="http://blog.test/2023/10/30/post/", title=title))
    assert not analysis.relevant


def test_a_post_on_the_writers_talk_that_names_srecon_once_at_the_end_is_indexed(tagger):
    body = ("<p>Queues that never drain are the quiet cause of most of our incidents. Here is how we put a limit "
            "and an owner on every queue, and what broke when we did.</p>" * 3
            + "<p>I gave a version of this talk at SREcon23 EMEA.</p>")
    assert tagger.analyze(page(body, url="http://blog.test/2023/10/30/queues/", title="Queues everywhere")).relevant


@pytest.mark.parametrize("title", ["a Docker Captain", "an AWS Hero", "a Google Developer Expert", "a Microsoft MVP"])
def test_a_community_title_in_a_bio_is_not_the_speakers_company(tagger, title):
    body = ("<p>At SREcon19 Americas, Kevin Crawley (Instana) ran a lab on getting started with observability: "
            f"traces, metrics and logs for one small app.</p><p>Kevin is {title} for his work with the community, and "
            "speaks at meetups about distributed systems.</p>")
    (e,) = entries(tagger, body)
    assert e.companies == ["Instana"]


def test_a_bio_names_where_the_speaker_works_but_not_everything_it_names(tagger):
    body = ("<p>At SREcon19 Americas, a lab on getting started with observability: traces, metrics and logs "
            "for one small app, from the first span to the first alert.</p>"
            "<p>Kevin Crawley is a developer evangelist at Instana. He has been praised as a Docker Captain for "
            "the rollout of Docker at scale. He has written a history of Docker in production.</p>")
    (e,) = entries(tagger, body)
    assert e.companies == ["Instana"]
