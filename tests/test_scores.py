"""How quality figures are counted: per site, with each figure's worst site beside the total."""

from __future__ import annotations

from srefind.models import TalkEntry
from srefind.scores import Tally, fold, per_site_figures, title_found


def _entry(title: str, speakers=(), companies=(), topics=()) -> TalkEntry:
    return TalkEntry(id="x", url="u", page_url="u", title=title, speakers=list(speakers), companies=list(companies),
                     topics=list(topics))


def test_a_labelled_title_is_found_despite_case_quotes_accents_and_a_speaker_left_in():
    entries = [_entry("“Tracé” at scale: sampling every request — by Ana Ruiz")]
    assert title_found('"Tracé" at Scale: Sampling Every Request', entries)
    assert not title_found("Capacity planning with regression", entries)
    assert not title_found("Tracing", [_entry("Tracing at scale, sampling, storage and the cost of it all")])


def test_speakers_meet_by_folded_name_and_wrong_ones_cost_precision():
    t = Tally()
    t.count_talks([_entry("A", speakers=["Ana Ruíz", "Continuous Pipelines"])],
                  [{"title": "A", "speakers": ["ana ruiz", "Ben Okafor"]}])
    assert t.speaker == [1, 1, 1] and t.titles == [1, 1]
    assert fold("Ana Ruíz") == "ana ruiz"


def test_the_worst_site_is_reported_beside_the_total():
    good, bad = Tally(), Tally()
    good.count_tags([_entry("t", companies=["Uber"], topics=["ml"])], ["Uber"], ["ml"])
    bad.count_tags([_entry("t", companies=["Twitter"])], ["Google"], ["tracing"])
    bad.relevance = [1, 2]
    figures, sites = per_site_figures({"good.test": good, "bad.test": bad}, prefix="pages_")
    assert figures["pages_company_precision"] == 0.5 and figures["pages_worst_company_precision"] == 0.0
    assert figures["pages_relevance_accuracy"] == 0.5  # only bad.test judged relevance
    assert sites["good.test"]["company_f1"] == 1.0 and "relevance_accuracy" not in sites["good.test"]
