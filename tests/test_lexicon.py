"""Specification of the lexicon data files and their loader (srefind.index.tagging.lexicon)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from srefind.index.tagging.lexicon import (
    Company,
    LexiconError,
    Topic,
    company_index,
    load_companies,
    load_synonyms,
    load_topics,
    synonym_index,
)

TAXONOMY_IDS = {
    "tracing", "observability", "ml", "kubernetes", "containers", "incident-response",
    "postmortems", "chaos-engineering", "slo", "capacity-planning", "databases",
    "networking", "deployment", "automation", "culture", "security", "performance",
    "cloud", "distributed-systems",
}

EVAL_COMPANIES = Path(__file__).resolve().parents[2] / "shared" / "eval" / "companies.tsv"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def raises_at(fn, path: Path, line: int, *words: str) -> LexiconError:
    """Call fn(path) and check it raises LexiconError naming the file and the line."""
    with pytest.raises(LexiconError) as info:
        fn(path)
    err = info.value
    msg = str(err)
    assert f"{path.name}:{line}:" in msg, msg
    assert err.line == line
    for w in words:
        assert w in msg, msg
    return err


# --------------------------------------------------------------------------- shipped companies


@pytest.fixture(scope="module")
def companies() -> list[Company]:
    return load_companies()


@pytest.fixture(scope="module")
def index(companies) -> dict[str, tuple[str, bool]]:
    return company_index(companies)


def test_shipped_gazetteer_loads_with_at_least_300_companies(companies):
    assert len(companies) >= 300
    assert all(isinstance(c, Company) and c.name for c in companies)
    assert len({c.name for c in companies}) == len(companies)


@pytest.mark.parametrize(
    "alias, canonical",
    [
        ("Facebook", "Meta"), ("FB", "Meta"), ("Meta Platforms", "Meta"), ("Instagram", "Meta"),
        ("Azure", "Microsoft"), ("Microsoft Azure", "Microsoft"),
        ("AWS", "Amazon"), ("Amazon Web Services", "Amazon"),
        ("GCP", "Google"), ("Google Cloud", "Google"), ("Google Cloud Platform", "Google"),
        ("Jet", "Jet.com"), ("JET", "Jet.com"),
        ("fb", "Meta"),  # lookup is case-insensitive
    ],
)
def test_common_aliases_resolve_to_the_canonical_name(index, alias, canonical):
    assert index[alias.casefold()][0] == canonical


@pytest.mark.parametrize(
    "name",
    ["Jet", "JET", "Square", "Slack", "Box", "Target", "Chef", "Puppet", "Stripe",
     "Honeycomb", "Gremlin", "Signal", "Wave", "Compass", "Zoom", "Indeed"],
)
def test_ambiguous_common_words_are_weak(index, name):
    assert index[name.casefold()][1] is True, f"{name} should be a weak name"


@pytest.mark.parametrize(
    "name", ["Jet.com", "Honeycomb.io", "Slack Technologies", "Shopify", "Google", "AWS"]
)
def test_unambiguous_names_are_strong(index, name):
    assert index[name.casefold()][1] is False


def test_weak_canonical_name_is_displayed_without_marker(companies):
    slack = next(c for c in companies if c.name == "Slack")
    assert slack.name_is_weak
    assert ("Slack", True) in slack.surface_forms
    assert "Slack Technologies" in slack.aliases
    assert not any(c.name.startswith("?") for c in companies)
    assert not any(a.startswith("?") for c in companies for a in c.aliases + c.weak_aliases)


@pytest.mark.skipif(not EVAL_COMPANIES.is_file(), reason="shared evaluation files not present")
def test_every_evaluation_name_resolves_to_the_same_canonical_name(companies, index):
    by_name = {c.name: c for c in companies}
    with EVAL_COMPANIES.open(encoding="utf-8") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    assert rows
    for canonical, *aliases in rows:
        assert canonical in by_name, f"canonical {canonical!r} missing"
        spellings = {form for form, _ in by_name[canonical].surface_forms}
        for name in [canonical, *aliases]:
            assert name in spellings, f"{name!r} not listed for {canonical!r}"
            assert index[name.casefold()][0] == canonical


# ---------------------------------------------------------------- shipped topics and synonyms


@pytest.fixture(scope="module")
def topics() -> list[Topic]:
    return load_topics()


def test_topic_ids_are_exactly_the_taxonomy(topics):
    assert {t.id for t in topics} == TAXONOMY_IDS
    assert len(topics) == 19


def test_every_topic_has_a_label_and_enough_lowercase_terms(topics):
    for t in topics:
        assert t.label.strip()
        assert t.strong, t.id
        assert len(t.terms) >= 15, t.id
        for term in t.terms + t.negative:
            assert term == term.lower() and term == " ".join(term.split()), term
        assert not set(t.strong) & set(t.weak), t.id
        assert not set(t.terms) & set(t.negative), t.id


@pytest.mark.parametrize(
    "topic, term",
    [
        ("tracing", "distributed tracing"), ("tracing", "zipkin"), ("tracing", "jaeger"),
        ("tracing", "opentelemetry"), ("kubernetes", "k8s"), ("kubernetes", "helm"),
        ("kubernetes", "kubectl"), ("ml", "machine learning"), ("ml", "naive bayes"),
        ("ml", "aiops"), ("ml", "linear regression"), ("databases", "mysql"),
        ("databases", "myrocks"), ("databases", "postgresql"), ("postmortems", "postmortem"),
        ("postmortems", "post-mortem"), ("postmortems", "post mortem"), ("slo", "error budget"),
        ("chaos-engineering", "fault injection"), ("incident-response", "on-call"),
        ("performance", "ebpf"), ("cloud", "aws"), ("distributed-systems", "event sourcing"),
    ],
)
def test_defining_terms_are_strong(topics, topic, term):
    assert term in next(t for t in topics if t.id == topic).strong


def test_weak_and_negative_terms(topics):
    tracing = next(t for t in topics if t.id == "tracing")
    assert "span" in tracing.weak
    assert "stack trace" in tracing.negative


def test_shipped_synonyms_are_lowercase_groups_without_overlap():
    groups = load_synonyms()
    assert len(groups) >= 40
    assert all(len(g) >= 2 and all(m == m.lower() for m in g) for g in groups)
    members = [m for g in groups for m in g]
    assert len(members) == len(set(members))
    syn = synonym_index(groups)
    assert {"kubernetes", "k8"} <= set(syn["k8s"])
    assert {"facebook", "meta"} <= set(syn["fb"])
    assert {"on-call", "on call"} <= set(syn["oncall"])
    assert "service level objective" in syn["slo"]
    assert "opentelemetry" in syn["otel"]


# --------------------------------------------------------------------------- companies.tsv errors

GOOD_TSV = "# comment\n\nAcme\tAcme Corp\t?Roadrunner\nGlobex\tGlobex Corporation\n"


def test_comments_blank_lines_and_weak_marker(tmp_path):
    p = write(tmp_path, "companies.tsv", "\ufeff" + GOOD_TSV.replace("\n", "\r\n"))
    acme, globex = load_companies(p)
    assert acme == Company("Acme", ("Acme Corp",), ("Roadrunner",))
    assert globex.name == "Globex" and not globex.name_is_weak


@pytest.mark.parametrize(
    "text, line, words",
    [
        (GOOD_TSV + "\tOrphan alias\n", 5, ["empty canonical name"]),
        (GOOD_TSV + "?\tAlias\n", 5, ["empty canonical name"]),
        (GOOD_TSV + "Initech\t\tInitrode\n", 5, ["empty alias", "column 2"]),
        (GOOD_TSV + "Initech\t?\n", 5, ["empty alias"]),
        (GOOD_TSV + "Initech  Initrode\n", 5, ["TAB"]),
        ("Acme\n\n# c\nAcme\tAcme Inc\n", 4, ["duplicate canonical name", "line 1"]),
        (GOOD_TSV + "Initech\tAcme Corp\n", 5, ["'Acme Corp'", "'Acme'", "companies.tsv:3"]),
        (GOOD_TSV + "Initech\troadrunner\n", 5, ["'roadrunner'", "'Acme'"]),
        (GOOD_TSV + "globex\tGlobex LLC\n", 5, ["'globex'", "'Globex'"]),
        (GOOD_TSV + "Initech\tInitrode\t?Initrode\n", 5, ["both as a weak and a strong"]),
    ],
    ids=["leading-tab", "bare-marker", "empty-alias", "empty-weak-alias", "spaces-not-tab",
         "duplicate-canonical", "alias-of-two-companies", "alias-case-insensitive",
         "canonical-differs-by-case", "weak-and-strong"],
)
def test_bad_companies_file_reports_file_and_line(tmp_path, text, line, words):
    raises_at(load_companies, write(tmp_path, "companies.tsv", text), line, *words)


def test_missing_file_is_a_lexicon_error(tmp_path):
    with pytest.raises(LexiconError, match="nope.tsv"):
        load_companies(tmp_path / "nope.tsv")


# --------------------------------------------------------------------------- topics.toml errors

GAMMA = '\n[topics.gamma]\nlabel = "Gamma"\n'

GOOD_TOML = """\
[topics.alpha]
label = "Alpha"
strong = ["alpha particle", "Alpha  Ray"]
weak = ["alpha"]

[topics.beta]
label = "Beta"
weak = [
    "beta",
    "beta test",
]
negative = ["beta blocker"]
"""


def test_topics_are_loaded_in_order_and_normalised(tmp_path):
    alpha, beta = load_topics(write(tmp_path, "topics.toml", GOOD_TOML))
    assert alpha == Topic("alpha", "Alpha", ("alpha particle", "alpha ray"), ("alpha",), ())
    assert beta.strong == ()
    assert beta.weak == ("beta", "beta test")
    assert beta.negative == ("beta blocker",)
    assert beta.terms == ("beta", "beta test")


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('[topics.alpha]\nlabel = "Alpha"\nstrong = ["a", "b"\n', 3, ["malformed TOML"]),
        ('[topics.alpha]\nlabel = "Alpha"\nstrong = [a]\n', 3, ["malformed TOML", "column"]),
        (GOOD_TOML + '\n[topics.alpha]\nlabel = "Again"\n', 14, ["malformed TOML"]),
        (GOOD_TOML + '\n[topics.gamma]\nlabel = "Gamma"\nstrong = ["g"]\nweight = 2\n', 17,
         ["unknown key 'weight'", "topics.gamma"]),
        ('version = 1\n' + GOOD_TOML, 1, ["unknown key 'version'"]),
        (GOOD_TOML + '\n[other]\nx = 1\n', 14, ["unknown key 'other'"]),
        (GOOD_TOML + '\n[topics.gamma]\nlabel = "Gamma"\nnegative = ["g"]\n', 14, ["no terms"]),
        (GOOD_TOML + '\n[topics.gamma]\nlabel = "Gamma"\n', 14, ["no terms"]),
        (GOOD_TOML + '\n[topics.gamma]\nstrong = ["g"]\n', 14, ["no label"]),
        (GOOD_TOML + '\n[topics.gamma]\nlabel = ""\nstrong = ["g"]\n', 15, ["label"]),
        (GOOD_TOML + '\n[topics.gamma]\nlabel = "Gamma"\nstrong = "g"\n', 16, ["must be a list"]),
        (GOOD_TOML + GAMMA + 'strong = ["g", 3]\n', 16, ["not a string"]),
        (GOOD_TOML + GAMMA + 'strong = [\n  "g",\n  "",\n]\n', 18, ["empty term"]),
        (GOOD_TOML + GAMMA + 'strong = ["g"]\nweak = [\n "x",\n "G",\n]\n', 19,
         ["'g'", "both strong and weak"]),
        (GOOD_TOML + '\n[topics.Gamma]\nlabel = "Gamma"\nstrong = ["g"]\n', 14, ["bad topic id"]),
        ("# nothing here\n", 1, ["no [topics.<id>] tables"]),
    ],
    ids=["unclosed-array", "bad-value", "duplicate-table", "unknown-topic-key",
         "unknown-top-level-key", "unknown-table", "only-negative-terms", "no-terms", "no-label",
         "empty-label", "not-a-list", "non-string-term", "empty-term", "term-in-two-lists",
         "bad-id", "empty-file"],
)
def test_bad_topics_file_reports_file_and_line(tmp_path, text, line, words):
    raises_at(load_topics, write(tmp_path, "topics.toml", text), line, *words)


# --------------------------------------------------------------------------- synonyms.txt errors

GOOD_SYN = "# comment\n\nk8s = Kubernetes\n  o11y=observability = O11Y \n"


def test_synonym_groups_are_lowercased_and_deduplicated(tmp_path):
    assert load_synonyms(write(tmp_path, "synonyms.txt", GOOD_SYN)) == [
        ("k8s", "kubernetes"),
        ("o11y", "observability"),
    ]


@pytest.mark.parametrize(
    "text, line, words",
    [
        (GOOD_SYN + "lonely\n", 5, ["at least two"]),
        (GOOD_SYN + "db = DB\n", 5, ["at least two"]),
        (GOOD_SYN + "db = = database\n", 5, ["empty synonym"]),
        (GOOD_SYN + "db = database =\n", 5, ["empty synonym"]),
        (GOOD_SYN + "kube = kubernetes\n", 5, ["'kubernetes'", "line 3"]),
    ],
    ids=["one-member", "same-member-twice", "empty-member", "trailing-equals",
         "member-in-two-groups"],
)
def test_bad_synonyms_file_reports_file_and_line(tmp_path, text, line, words):
    raises_at(load_synonyms, write(tmp_path, "synonyms.txt", text), line, *words)


# --------------------------------------------------------------------------- extra_dir merging


def test_extra_dir_without_files_changes_nothing(tmp_path):
    assert load_companies(extra_dir=tmp_path) == load_companies()
    assert load_topics(extra_dir=tmp_path) == load_topics()
    assert load_synonyms(extra_dir=tmp_path) == load_synonyms()


def test_extra_dir_must_be_a_directory(tmp_path):
    with pytest.raises(LexiconError, match="not a directory"):
        load_companies(extra_dir=tmp_path / "missing")


def test_extra_companies_add_aliases_and_companies_and_change_strength(tmp_path):
    base = write(tmp_path, "base.tsv", GOOD_TSV)
    extra = tmp_path / "user"
    extra.mkdir()
    write(extra, "companies.tsv",
          "# mine\nAcme\tACME Labs\tRoadrunner\t?Acme Corp\nInitech\t?Initrode\n")
    acme, globex, initech = load_companies(base, extra_dir=extra)
    assert acme.name == "Acme" and not acme.name_is_weak
    assert set(acme.aliases) == {"ACME Labs", "Roadrunner"}  # Roadrunner became strong
    assert acme.weak_aliases == ("Acme Corp",)  # Acme Corp became weak
    assert globex.aliases == ("Globex Corporation",)
    assert initech == Company("Initech", (), ("Initrode",))


def test_extra_companies_merge_over_the_shipped_file(tmp_path):
    write(tmp_path, "companies.tsv", "Meta\tThe Facebook\nTinyCo\tTiny Company\n")
    merged = company_index(load_companies(extra_dir=tmp_path))
    assert merged["the facebook"] == ("Meta", False)
    assert merged["tiny company"] == ("TinyCo", False)
    assert merged["facebook"] == ("Meta", False)


def test_conflicts_in_an_extra_file_name_that_file_and_line(tmp_path):
    write(tmp_path, "base.tsv", GOOD_TSV)
    extra = tmp_path / "user"
    extra.mkdir()
    bad = write(extra, "companies.tsv", "Initech\n\nInitrode\tGlobex Corporation\n")
    raises_at(lambda _: load_companies(tmp_path / "base.tsv", extra_dir=extra), bad, 3,
              "'Globex'", "base.tsv:4")
    bad.write_text("Initech\nInitech\n", encoding="utf-8")
    raises_at(lambda _: load_companies(tmp_path / "base.tsv", extra_dir=extra), bad, 2,
              "duplicate canonical name")


def test_extra_topics_add_terms_move_terms_and_add_topics(tmp_path):
    base = write(tmp_path, "base.toml", GOOD_TOML)
    extra = tmp_path / "user"
    extra.mkdir()
    write(extra, "topics.toml", '[topics.beta]\nstrong = ["beta"]\nweak = ["beta version"]\n\n'
                                '[topics.gamma]\nlabel = "Gamma"\nstrong = ["gamma ray"]\n')
    alpha, beta, gamma = load_topics(base, extra_dir=extra)
    assert alpha.strong == ("alpha particle", "alpha ray")
    assert beta.label == "Beta"
    assert beta.strong == ("beta",)
    assert beta.weak == ("beta test", "beta version")
    assert gamma == Topic("gamma", "Gamma", ("gamma ray",))


def test_extra_topics_are_validated_with_their_own_line_numbers(tmp_path):
    write(tmp_path, "topics.toml", '# mine\n[topics.slo]\nlabel = "SLOs"\nstrongg = ["x"]\n')
    raises_at(lambda _: load_topics(extra_dir=tmp_path), tmp_path / "topics.toml", 4,
              "unknown key 'strongg'")
    slo = next(t for t in load_topics() if t.id == "slo")
    write(tmp_path, "topics.toml", '[topics.slo]\nweak = ["slo burn"]\n')
    merged = next(t for t in load_topics(extra_dir=tmp_path) if t.id == "slo")
    assert merged.label == slo.label and merged.weak == slo.weak + ("slo burn",)


def test_extra_synonyms_merge_into_overlapping_groups(tmp_path):
    base = write(tmp_path, "base.txt", "k8s = kubernetes\nml = machine learning\ndb = database\n")
    extra = tmp_path / "user"
    extra.mkdir()
    write(extra, "synonyms.txt", "kube = K8S\nml = database\nbpf = ebpf\n")
    assert load_synonyms(base, extra_dir=extra) == [
        ("k8s", "kubernetes", "kube"),
        ("ml", "machine learning", "db", "database"),
        ("bpf", "ebpf"),
    ]


def test_every_error_message_starts_with_file_and_line(tmp_path):
    err = raises_at(load_companies, write(tmp_path, "companies.tsv", "A\n\tB\n"), 2)
    assert re.match(r"^.*companies\.tsv:2: empty canonical name$", str(err))
    assert isinstance(err, ValueError)
