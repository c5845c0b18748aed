#!/usr/bin/env python3
"""Search speed and memory: srefind's Whoosh index against SQLite FTS5, on synthetic corpora.

What is compared, for each corpus size (default 10,000 and 100,000 talk entries):

  srefind       srefind.index.search.store.apply_changes() to build the index the way a crawl does
                (pages in batches, one commit per batch; merges run in a background process
                and the build time includes waiting for the last one, as a crawl does before
                it ends), then srefind.index.search.engine.SearchEngine
                answering each query with three facet filters, ten highlighted snippets and
                disjunctive facet counts for every facet (company, topic, conference, year,
                speaker, site): exactly what the web UI and `srefind search` ask for.
  sqlite-fts5   the baseline a user would otherwise pick: one FTS5 table over the same text
                columns (title, speakers, summary; porter tokenizer), a (entry_id, field, value)
                facet table, and per query: MATCH ranked by bm25 with srefind's field boosts
                (title 3, speakers 2, summary 1), the facet filters as EXISTS subqueries, the top
                ten with snippet(), the total, and GROUP BY counts for the same six facets, each
                facet counted under the other facets' filters (the same disjunctive semantics).

  whoosh-stock  (--engines ...,whoosh) a build-only baseline: the same documents and schema
                through Whoosh's own SegmentWriter and MERGE_SMALL policy, in the same run; the
                report prints srefind's build speed as a multiple of it (this machine's speed
                varies by +-30% between runs, the ratio much less).

What FTS5 does not do, so its work per query is somewhat smaller: no synonym expansion, no
typo correction or did-you-mean, no "tags" field (srefind also matches company, topic and
conference names as text). The report prints on how many queries both engines found the same
total; the differences are mostly the typo queries, which srefind corrects and FTS5 does not.

Why: the issue's goals are, at 10k entries, p95 <= 30 ms; at 100k, p95 <= 200 ms and faster
than FTS5 on the same queries; serving RSS <= 400 MB at 100k; index build >= 1,000 entries/s.

How:
  * The corpus is generated from a fixed seed: titles of 6-12 words and summaries of 60-250
    words drawn from an SRE vocabulary (technical terms per topic, general SRE terms, English
    filler words with Zipf-like frequencies, a long tail of rare product-like words), 1-3
    companies out of ~300 (Zipf), 1-3 of the 19 topic ids, "SREconYY Region" conferences
    2014-2025, 1-2 speakers from ~20k names, ~50 sites, and pages holding 1-7 entries.
  * The queries (default 200) are mostly 1-3 free-text words, some quoted phrases, some with a
    typo, a few boolean; most are anchored on a corpus entry (words from its text, facets from
    its values, as a user refining a search does), the rest use popular words and facet values.
    Every query has three facet filters: one or two companies (OR-ed), one topic, one year.
  * Each engine and phase runs in its own subprocess (this script re-invokes itself with
    --worker), so peak RSS (ru_maxrss) is per engine: build RSS and serving RSS separately.
  * Serving: open, the first query timed alone ("cold": for srefind it includes building the
    facet bitsets of the generation), every query once as warm-up, then every query once
    more, timed with time.perf_counter(): p50/p95/p99 of that pass.

    .venv/bin/python benchmarks/search_bench.py                       # 10k and 100k: ~4 min
    .venv/bin/python benchmarks/search_bench.py --engines srefind,fts5,whoosh   # + Whoosh's writer: ~10 min more
    .venv/bin/python benchmarks/search_bench.py --sizes 10000 --json
    .venv/bin/python benchmarks/search_bench.py --sizes 100000 --workdir /tmp/sb \\
        --profile /tmp/sb/srefind.prof                                # cProfile the query pass

With --workdir DIR the corpus, index and database stay in DIR/<size>/ and a later run
with --reuse skips generation and builds (handy when profiling or iterating on index/).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

SEED = 20240611
BATCH_PAGES = 500  # pages per commit, as a crawl writes them
PER_PAGE = 10
FACET_FIELDS = ("company", "topic", "conference", "year", "speaker", "site")  # srefind's FACETS
FTS5_WEIGHTS = (3.0, 2.0, 1.0)  # title, speakers, summary: srefind's field boosts
GOALS = {"p95_ms_10k": 30.0, "p95_ms_100k": 200.0, "serve_rss_mb_100k": 400.0, "build_entries_per_s": 1000.0}

# --------------------------------------------------------------------------------------------
# Vocabulary. Ordered by how common a word should be: samplers give rank r weight 1/r**s.
# --------------------------------------------------------------------------------------------

FUNCTION_WORDS: tuple[str, ...] = tuple(dict.fromkeys("""
the of and to a in is that for we it with as on our this are how be from by at was you an
not or have can they which but their has when what more were will all about one so there
been if into also its them these than then some other only over most such each your up out
who may would could should many both after before while through where why very just well
even any us do does did own same between during under without again because those here
""".split()))

CONTENT_WORDS: tuple[str, ...] = tuple(w for w in dict.fromkeys("""
time talk work people team new first years way make need use using used teams approach
problems problem learned share show look different build built good better large small real
world part number example process across every common important often help able take start
started running run change changed simple hard case cases know understand found lessons
story journey path years months weeks day days hours minutes company organization engineers
practice practices tools tool model results question questions ideas idea design designed
making works working year long short high low fast slow key focus goal goals value
values three two four five several end point points future past current modern open source
internal external global local common critical complex simple safe safer unsafe manual
practical technical human humans person level levels group groups growth growing grow easy
difficult cost costs budget impact impacts benefit benefits risk risks trade tradeoff
tradeoffs scale scaled adopting adoption migrate migrated migrating moving moved replace
replaced replacing improve improved improving reduce reduced reducing increase increased
measure measured measuring understand understanding explain explore exploring discuss
discussing describe present presenting introduce introducing walk through show showing
demonstrate demo live session audience attendees speaker panel workshop keynote tutorial
framework frameworks library libraries language languages code coding software hardware
product products feature features customer customers user users request requests response
responses traffic load volume peak steady state status signal signals noise alert alerts
page pages ticket tickets queue queues job jobs task tasks workflow workflows plan plans
planning strategy strategies decision decisions review reviews process processes policy
policies standard standards rule rules guide guidelines checklist checklists experience
experiences success successes failure failures mistake mistakes surprise surprises lesson
support supporting owner owners ownership responsibility responsible accountable trust
visibility insight insights context signal evidence data numbers chart charts graph graphs
example examples pattern patterns antipattern antipatterns principle principles method
methods technique techniques solution solutions option options choice choices approach
""".split()) if w not in FUNCTION_WORDS)

GENERAL_TERMS: tuple[str, ...] = (
    "service", "services", "system", "systems", "production", "reliability", "engineering", "sre",
    "site reliability", "infrastructure", "scale", "scaling", "platform", "operations", "devops",
    "dashboards", "alerts", "errors", "traffic", "migration", "architecture", "stack", "legacy",
    "complexity", "resilience", "fleet", "datacenter", "hosts", "servers", "dependencies", "api",
    "apis", "backend", "frontend", "mobile", "payments", "search", "streaming", "storage",
    "pipeline", "workload", "workloads", "batch", "realtime", "tradeoffs", "microservices",
    "monolith", "platform engineering", "internal platform", "toil", "oncall", "sociotechnical",
    "resilience engineering", "ownership", "maturity", "rollout", "uptime", "downtime",
)

TOPIC_TERMS: dict[str, tuple[str, ...]] = {
    "tracing": ("tracing", "traces", "spans", "distributed tracing", "opentelemetry", "jaeger", "zipkin",
                "trace context", "context propagation", "sampling", "instrumentation", "critical path",
                "baggage", "span attributes", "tail sampling", "trace ids", "waterfall", "correlation"),
    "observability": ("observability", "metrics", "logs", "logging", "dashboards", "telemetry", "cardinality",
                      "prometheus", "grafana", "alerting", "structured logging", "exemplars",
                      "high cardinality", "monitoring", "histograms", "golden signals", "debugging", "o11y"),
    "ml": ("machine learning", "models", "training", "inference", "gpu", "gpus", "feature store",
           "anomaly detection", "forecasting", "llm", "llms", "embeddings", "model serving", "notebooks",
           "drift", "accelerators", "tensorflow", "pytorch", "aiops"),
    "kubernetes": ("kubernetes", "k8s", "pods", "operators", "controllers", "helm", "kubelet", "control plane",
                   "etcd", "scheduler", "namespaces", "custom resources", "autoscaling", "ingress",
                   "service mesh", "istio", "clusters", "manifests"),
    "containers": ("containers", "docker", "images", "registry", "cgroups", "container runtime", "containerd",
                   "oci", "image layers", "sidecar", "isolation", "build cache", "podman", "seccomp",
                   "orchestration", "container images"),
    "incident-response": ("incident", "incidents", "oncall", "pager", "paging", "escalation",
                          "incident commander", "triage", "mitigation", "outage", "outages", "war room",
                          "runbooks", "severity", "status page", "responders", "handoff", "mttr"),
    "postmortems": ("postmortem", "postmortems", "blameless", "retrospective", "root cause",
                    "contributing factors", "action items", "learning from incidents", "timeline",
                    "incident review", "near miss", "narratives", "hindsight", "safety science",
                    "counterfactuals", "accountability"),
    "chaos-engineering": ("chaos", "chaos engineering", "fault injection", "game day", "game days",
                          "experiments", "blast radius", "hypothesis", "failure modes", "chaos monkey",
                          "steady state", "dependency failure", "drills", "resilience testing"),
    "slo": ("slo", "slos", "sli", "slis", "error budget", "error budgets", "objectives", "burn rate",
            "availability", "user journeys", "latency", "service level", "sla", "slas", "reliability targets"),
    "capacity-planning": ("capacity", "capacity planning", "forecasting", "headroom", "load testing",
                          "utilization", "provisioning", "demand", "quotas", "efficiency", "cost modeling",
                          "saturation", "peak traffic", "hardware", "procurement", "bin packing"),
    "databases": ("database", "databases", "mysql", "postgresql", "postgres", "cassandra", "replication",
                  "sharding", "schema migrations", "backups", "query planner", "indexes", "failover",
                  "consistency", "transactions", "redis", "connection pooling", "vitess", "replicas"),
    "networking": ("network", "networking", "dns", "bgp", "load balancer", "load balancing", "tcp",
                   "packet loss", "cdn", "anycast", "routing", "ipv6", "edge network", "proxies", "envoy",
                   "tls", "firewall", "network partition", "quic"),
    "deployment": ("deployment", "deployments", "continuous delivery", "canary", "canary releases",
                   "rollback", "rollbacks", "feature flags", "release engineering", "blue green",
                   "progressive delivery", "ci", "builds", "artifacts", "deploy safety", "gitops",
                   "staging", "release trains"),
    "automation": ("automation", "toil", "tooling", "scripts", "ansible", "terraform",
                   "infrastructure as code", "workflows", "bots", "chatops", "self healing",
                   "auto remediation", "puppet", "chef", "config management", "runbook automation"),
    "culture": ("culture", "team topologies", "hiring", "burnout", "psychological safety", "mentoring",
                "onboarding", "leadership", "career", "collaboration", "diversity", "sociotechnical",
                "empathy", "developer experience", "management", "interviews", "sre teams"),
    "security": ("security", "zero trust", "secrets", "vulnerabilities", "authentication", "authorization",
                 "encryption", "compliance", "audit", "supply chain", "certificates", "mtls",
                 "access control", "threat modeling", "patching", "least privilege", "sbom"),
    "performance": ("performance", "latency", "throughput", "profiling", "flame graphs", "tail latency",
                    "benchmarking", "ebpf", "optimization", "cpu", "memory", "garbage collection",
                    "caching", "p99", "regressions", "linux", "kernel", "perf"),
    "cloud": ("cloud", "aws", "gcp", "azure", "multi cloud", "cloud migration", "serverless", "lambda",
              "cost optimization", "regions", "availability zones", "managed services", "finops",
              "hybrid cloud", "spot instances", "vpc", "iam"),
    "distributed-systems": ("distributed systems", "consensus", "raft", "paxos", "eventual consistency",
                            "partitions", "message queues", "kafka", "backpressure", "retries",
                            "circuit breakers", "idempotency", "leader election", "microservices",
                            "cascading failures", "timeouts", "load shedding", "metastable failures"),
}
TOPIC_POPULARITY: dict[str, float] = {
    "observability": 9, "incident-response": 8, "slo": 7, "kubernetes": 6, "postmortems": 5,
    "distributed-systems": 5, "automation": 5, "culture": 5, "deployment": 4, "performance": 4,
    "databases": 4, "cloud": 4, "capacity-planning": 3, "networking": 3, "chaos-engineering": 3,
    "tracing": 3, "containers": 2, "security": 2, "ml": 2,
}

FIRST_NAMES: tuple[str, ...] = tuple("""
Aaliyah Abdul Ada Adaeze Adrian Ahmed Aiko Aisha Alejandro Alex Alice Amara Amir Ana Andrea
Anil Anita Arjun Astrid Ayesha Beatriz Ben Bianca Bjorn Carla Carlos Chen Chiara Chloe Chris
Dana Daniel Dario Deepa Diego Dmitri Elena Emeka Emma Erik Esther Fatima Felix Fiona Florian
Gabriel Grace Hana Hannah Hiro Ines Ingrid Isaac Ivan Jamal Jana Javier Jia Joao Jonas Jun
Kai Kamala Karim Kate Kenji Kofi Lars Laura Leila Lena Liam Lin Lucia Luis Maja Malik Marco
Maria Marta Mateo Mei Mia Mohammed Nadia Naveen Nia Nikhil Nina Noah Olga Omar Oskar Pablo
Priya Quinn Rafael Rahul Ravi Rosa Sami Sara Sean Sofia Sunita Tariq Tess Theo Tomas Uma
Vera Victor Wei Yara Yusuf Zara Zoe Ibrahim Kwame Lucas Nora Pedro Ruth Simone Tobias Yuki
Ama Bruno Camila Dev Eitan Femi Gita Hugo Ilse Jonah Kira Leo Mona Nils Ola Paulo Rhea Soren
""".split())

LAST_NAMES: tuple[str, ...] = tuple("""
Abara Acosta Adeyemi Alvarez Andersen Aoki Arslan Bakker Banerjee Barros Bauer Becker Bergstrom
Bianchi Bose Brandt Brooks Castillo Chandra Chaudhry Cho Costa Dahl Dasgupta Delgado Diaz Dubois
Eriksen Esposito Farouk Ferreira Fischer Fontaine Fujita Garcia Ghosh Gomez Gupta Haddad Hansen
Hartmann Hayashi Hernandez Hoffmann Huang Ibarra Ivanova Iyer Jansen Jensen Joshi Kamau Kang
Kaur Keller Khan Kim Kobayashi Kowalski Kruger Kumar Larsen Laurent Lee Lehmann Lindqvist Liu
Lopez Mahmoud Marin Martins Mehta Mendes Meyer Mishra Molina Moreau Morita Mueller Murphy Nagy
Nakamura Navarro Nguyen Nielsen Nkosi Novak Nowak Obi Ochoa Okafor Oliveira Olsen Ortiz Osei
Park Patel Pereira Petrov Pham Popescu Quispe Rahman Ramos Rao Reddy Reyes Richter Rojas Romano
Rossi Saito Salazar Santos Sato Schmidt Schneider Sharma Silva Singh Sokolov Suarez Suzuki
Takahashi Tanaka Torres Tran Ueda Vargas Varga Vasquez Verma Vogel Wagner Walker Wang Weber
Wiśniewski Wolf Wong Wu Yamada Yilmaz Young Zhang Zhao Zimmermann Mensah Owusu Achebe Bello
Eze Lindgren Holm Virtanen Korhonen Laine Novotny Dvorak Horvat Kovac Babic Petrovic Jovanovic
""".split())

COMPANY_STEMS: tuple[str, ...] = tuple("""
Northwind Bluefin Quorra Tessellate Halcyon Brightpath Copperleaf Driftwood Emberly Fernway
Glasswing Harborline Ironbark Junipero Kestrelia Lumenfold Mosswell Nimbra Oakhurst Pinecrest
Quillon Ravenmark Saltmarsh Tidewell Umberlane Vantora Willowby Xylent Yarrowfield Zephyria
Arcturo Basalto Cindervale Duskway Everloop Foxglade Granitel Heliotra Indigo Jetstreamer Kaleida
Larkspur Meridio Nettlecomb Orbitra Paloverde Quasarly Rivulet Sablecroft Tundrix Ultrava Velloria
""".split())
COMPANY_SUFFIXES: tuple[str, ...] = (
    "", "Labs", "Systems", "Cloud", "Networks", "Pay", "Health", "Data", "Games", "Logistics",
    "Bank", "Media", "Energy", "Mobility", "Security", "Analytics", "Commerce", "Travel",
)

SITE_HOSTS: tuple[str, ...] = (
    "www.usenix.org", "medium.com", "dev.to", "www.infoq.com", "sre.google", "blog.acolyer.org",
    "thenewstack.io", "www.youtube.com", "speakerdeck.com", "www.slideshare.net",
    "hackernoon.com", "increment.com", "queue.acm.org", "www.oreilly.com", "learning.oreilly.com",
)
SITE_PATTERNS: tuple[str, ...] = ("engineering.{c}.com", "blog.{c}.io", "{c}.tech", "tech.{c}.com")
REGIONS_BY_YEAR: dict[int, tuple[str, ...]] = {
    y: ("Americas",) + (("EMEA",) if y >= 2015 else ()) + (("APAC",) if y >= 2016 else ())
    for y in range(2014, 2026)
}
SYLLABLES: tuple[str, ...] = tuple(
    "ka lo mi ter vex quo zan bri dol fen gar hol jun kor lum nex pra rim sol tav ulm vor wex yar "
    "zel orb ast cyr del eon fyr gly hex ion jax kyl lyr myx nox ostr pyl qir ryn syx".split()
)


class Zipf:
    """Draw items with Zipf-like weights: the item of rank r (1-based) has weight 1 / r**s."""

    def __init__(self, items: Sequence[Any], s: float = 1.0) -> None:
        self.items = list(items)
        self.cum = list(accumulate(1.0 / (r ** s) for r in range(1, len(self.items) + 1)))

    def draw(self, rng: random.Random, k: int) -> list[Any]:
        return rng.choices(self.items, cum_weights=self.cum, k=k)

    def one(self, rng: random.Random) -> Any:
        return rng.choices(self.items, cum_weights=self.cum, k=1)[0]

    def distinct(self, rng: random.Random, k: int) -> list[Any]:
        out: list[Any] = []
        while len(out) < min(k, len(self.items)):
            v = self.one(rng)
            if v not in out:
                out.append(v)
        return out


def entry_id(url: str) -> str:
    """As srefind.models.entry_id (not imported, so FTS5 workers never load srefind)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------

class CorpusGenerator:
    """Deterministic synthetic talk entries, grouped by page as the crawler produces them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        rng = random.Random(seed + 1)  # pools do not depend on corpus size
        names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
        rng.shuffle(names)
        self.speakers = Zipf(names[:20000], s=0.75)
        companies = [f"{s} {x}".strip() for s in COMPANY_STEMS for x in COMPANY_SUFFIXES]
        rng.shuffle(companies)
        self.companies = Zipf(companies[:300], s=1.0)
        hosts = list(SITE_HOSTS)
        for c in companies[:60]:
            if len(hosts) >= 50:
                break
            slug = c.split()[0].lower()
            hosts.append(rng.choice(SITE_PATTERNS).format(c=slug))
        self.sites = Zipf(hosts, s=1.1)
        topics = sorted(TOPIC_POPULARITY, key=lambda t: -TOPIC_POPULARITY[t])
        self.topic_ids = topics
        self.topic_weights = [TOPIC_POPULARITY[t] for t in topics]
        self.topic_terms = {t: Zipf(TOPIC_TERMS[t], s=0.9) for t in topics}
        self.filler = Zipf(FUNCTION_WORDS + CONTENT_WORDS, s=1.05)
        self.content = Zipf(CONTENT_WORDS, s=0.9)
        self.general = Zipf(GENERAL_TERMS, s=0.9)
        rare = sorted({a + b for a in SYLLABLES for b in SYLLABLES} | {a + b + c for a in SYLLABLES[:20]
                                                                       for b in SYLLABLES for c in SYLLABLES[:15]})
        rng.shuffle(rare)
        self.rare = Zipf(rare[:30000], s=1.0)
        self.years = list(range(2014, 2026))
        self.year_weights = [1 + 0.35 * (y - 2014) for y in self.years]
        self.page_no = 0

    def pages(self, n_entries: int) -> Iterator[tuple[str, list[dict]]]:
        made = 0
        while made < n_entries:
            k = min(n_entries - made, self.rng.choices(range(1, 8), weights=(55, 14, 9, 7, 6, 5, 4))[0])
            yield self._page(k)
            made += k

    def _page(self, k: int) -> tuple[str, list[dict]]:
        rng = self.rng
        self.page_no += 1
        year = rng.choices(self.years, weights=self.year_weights)[0]
        conference = f"SREcon{year % 100:02d} {rng.choice(REGIONS_BY_YEAR[year])}"
        site = self.sites.one(rng)
        page_url = f"https://{site}/{year}/talks-{self.page_no:06d}/"
        entries = []
        for i in range(k):
            url = page_url if k == 1 else f"{page_url}#talk-{i + 1}"
            entries.append(self._entry(url, page_url, site, conference, year))
        return page_url, entries

    def _entry(self, url: str, page_url: str, site: str, conference: str, year: int) -> dict:
        rng = self.rng
        n_topics = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        topics: list[str] = []
        while len(topics) < n_topics:
            t = rng.choices(self.topic_ids, weights=self.topic_weights)[0]
            if t not in topics:
                topics.append(t)
        companies = self.companies.distinct(rng, rng.choices((1, 2, 3), weights=(70, 22, 8))[0])
        speakers = self.speakers.distinct(rng, rng.choices((1, 2), weights=(80, 20))[0])
        return {
            "id": entry_id(url), "url": url, "page_url": page_url,
            "title": self._title(topics, companies),
            "speakers": speakers, "companies": companies, "topics": topics,
            "conference": conference, "year": year,
            "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "summary": self._summary(topics, companies, rng.randint(60, 250)),
            "site": site,
        }

    def _words(self, topics: list[str], n: int, mix: tuple[float, ...]) -> list[str]:
        """n words: filler, topic terms, general SRE terms, rare words, numbers, by weights `mix`."""
        rng = self.rng
        cats = rng.choices(range(5), weights=mix, k=n)
        counts = Counter(cats)
        topic_pick = rng.choices(range(len(topics)), weights=(6, 2.5, 1.5)[: len(topics)], k=counts[1])
        per_topic = Counter(topic_pick)
        pools: list[Iterator[str]] = [
            iter(self.filler.draw(rng, counts[0])),
            iter([w for i, t in enumerate(topics) for w in self.topic_terms[t].draw(rng, per_topic[i])]),
            iter(self.general.draw(rng, counts[2])),
            iter(self.rare.draw(rng, counts[3])),
            iter(rng.choice(("{}%", "{}x", "{}ms", "{}k", "{}")).format(rng.randint(2, 999)) for _ in range(counts[4])),
        ]
        topic_words = list(pools[1])
        rng.shuffle(topic_words)  # interleave the topics
        pools[1] = iter(topic_words)
        return [next(pools[c]) for c in cats]

    def _title(self, topics: list[str], companies: list[str]) -> str:
        rng = self.rng
        words = self._words(topics, rng.randint(5, 10), (0.35, 0.4, 0.2, 0.03, 0.02))
        if rng.random() < 0.35:
            words.insert(rng.randint(2, len(words) - 1), ":")
        if rng.random() < 0.2:
            words += ["at", companies[0]]
        text = " ".join(w if w in FUNCTION_WORDS else w[:1].upper() + w[1:] for w in words)
        return text.replace(" :", ":")

    def _summary(self, topics: list[str], companies: list[str], n: int) -> str:
        rng = self.rng
        words = self._words(topics, n, (0.62, 0.2, 0.1, 0.05, 0.03))
        for c in companies:
            if rng.random() < 0.5:
                words.insert(rng.randrange(len(words)), "at " + c)
        out: list[str] = []
        i = 0
        while i < len(words):
            k = rng.randint(8, 22)
            sentence = words[i : i + k]
            out.append(sentence[0][:1].upper() + sentence[0][1:] + " " + " ".join(sentence[1:]) + ".")
            i += k
        return " ".join(out)


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------

@dataclass
class BenchQuery:
    text: str  # srefind syntax
    kind: str  # words | phrase | typo | boolean | speaker
    filters: dict[str, list[str]]


QUERYABLE_TERMS = {t for terms in TOPIC_TERMS.values() for t in terms} | set(GENERAL_TERMS)
QUERYABLE_WORDS = (set(CONTENT_WORDS) | {w for t in QUERYABLE_TERMS for w in t.split()}) - set(FUNCTION_WORDS)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("swap", "drop", "double", "replace"))
    if how == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioustrn".replace(word[i], "")) + word[i + 1 :]


class QueryMaker:
    """Queries a user would type, most anchored on one corpus entry (words and facets from it)."""

    def __init__(self, seed: int, gen: CorpusGenerator, seen: dict[str, Counter]) -> None:
        self.rng = random.Random(seed + 2)
        self.gen = gen
        self.seen = {f: (list(c), list(c.values())) for f, c in seen.items()}

    def _popular(self, field: str) -> str:
        values, weights = self.seen[field]
        return self.rng.choices(values, weights=weights)[0]

    def _entry_words(self, e: dict) -> tuple[list[str], list[str]]:
        """The entry's queryable single words, and its multi-word terms."""
        text = (e["title"] + " " + e["summary"]).lower()
        singles = sorted({w for w in re.findall(r"[a-z0-9]+", text) if w in QUERYABLE_WORDS and len(w) > 2})
        phrases = sorted(t for t in QUERYABLE_TERMS if " " in t and t in text)
        return singles, phrases

    def make(self, anchors: list[dict], n: int) -> list[BenchQuery]:
        rng = self.rng
        out: list[BenchQuery] = []
        for i in range(n):
            kind = rng.choices(("words", "phrase", "typo", "boolean", "speaker"), weights=(55, 15, 15, 10, 5))[0]
            anchored = i < len(anchors)
            if anchored:
                e = anchors[i]
                words, phrases = self._entry_words(e)
                companies = [rng.choice(e["companies"])]
                topic, year = rng.choice(e["topics"]), str(e["year"])
            else:
                e = None
                t = rng.choices(self.gen.topic_ids, weights=self.gen.topic_weights)[0]
                terms = TOPIC_TERMS[t] + GENERAL_TERMS
                words = sorted({w for term in terms for w in term.split() if len(w) > 2} & QUERYABLE_WORDS)
                phrases = [term for term in terms if " " in term]
                companies = [self._popular("company")]
                topic, year = self._popular("topic"), self._popular("year")
            if rng.random() < 0.3:
                other = self._popular("company")
                if other not in companies:
                    companies.append(other)
            filters = {"company": companies, "topic": [topic], "year": [year]}
            text = self._text(kind, words, phrases, e)
            out.append(BenchQuery(text, kind, filters))
        return out

    def _text(self, kind: str, words: list[str], phrases: list[str], e: dict | None) -> str:
        rng = self.rng
        pick = lambda k: rng.sample(words, min(k, len(words)))  # noqa: E731
        if kind == "phrase" and phrases:
            extra = pick(1) if rng.random() < 0.4 else []
            return " ".join([f'"{rng.choice(phrases)}"'] + extra)
        if kind == "typo":
            ws = pick(rng.choice((1, 2)))
            long = [j for j, w in enumerate(ws) if len(w) >= 5]
            if long:
                j = rng.choice(long)
                ws[j] = _typo(ws[j], rng)
            return " ".join(ws)
        if kind == "boolean" and len(words) >= 3:
            a, b, c = pick(3)
            return rng.choice((f"{a} OR {b}", f"{a} NOT {b}", f"({a} OR {b}) {c}"))
        if kind == "speaker" and e is not None:
            last = rng.choice(e["speakers"]).split()[-1]
            return " ".join([last] + pick(1))
        return " ".join(pick(rng.choices((1, 2, 3), weights=(40, 40, 20))[0]))


# --------------------------------------------------------------------------------------------
# Data preparation (parent process)
# --------------------------------------------------------------------------------------------

def prepare(data: Path, size: int, seed: int, n_queries: int) -> dict:
    """Write DATA/corpus.jsonl (one page per line) and DATA/queries.json; return a manifest."""
    t0 = time.perf_counter()
    data.mkdir(parents=True, exist_ok=True)
    gen = CorpusGenerator(seed)
    pick_rng = random.Random(seed + 3)
    n_anchored = round(n_queries * 0.7)
    anchor_at = set(pick_rng.sample(range(size), n_anchored))
    anchors: dict[int, dict] = {}
    seen: dict[str, Counter] = {"company": Counter(), "topic": Counter(), "year": Counter()}
    n = pages = 0
    generated = link_writeups(list(gen.pages(size)), random.Random(seed + 6))
    with open(data / "corpus.jsonl", "w", encoding="utf-8") as out:
        for page_url, entries in generated:
            out.write(json.dumps([page_url, entries], ensure_ascii=False) + "\n")
            pages += 1
            for e in entries:
                if n in anchor_at:
                    anchors[n] = e
                seen["company"].update(e["companies"])
                seen["topic"].update(e["topics"])
                seen["year"][str(e["year"])] += 1
                n += 1
    ordered = [anchors[i] for i in sorted(anchors)]
    random.Random(seed + 4).shuffle(ordered)
    queries = QueryMaker(seed, gen, seen).make(ordered, n_queries)
    random.Random(seed + 5).shuffle(queries)
    (data / "queries.json").write_text(json.dumps([asdict(q) for q in queries], indent=1, ensure_ascii=False))
    all_entries = [e for _, es in generated for e in es]
    records = [e for e in all_entries if e.get("record")]
    linked = sum(1 for e in all_entries if e.get("talk_url"))
    manifest = {"size": size, "seed": seed, "queries": n_queries, "pages": pages,
                "talks": len(all_entries) - linked, "records": len(records), "linked_writeups": linked,
                "writeups_per_record": round(linked / max(1, len(records)), 2),
                "generate_seconds": round(time.perf_counter() - t0, 1),
                "corpus_mb": round((data / "corpus.jsonl").stat().st_size / 2**20, 1),
                "query_kinds": dict(Counter(q.kind for q in queries))}
    (data / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


RECORD_SHARE = 0.3  # of one-talk pages: an event's own talk page
LINK_SHARE = 0.35  # of the other entries: a write-up linked to a talk page of its conference


def link_writeups(pages: list[tuple[str, list[dict]]], rng: random.Random) -> list[tuple[str, list[dict]]]:
    """The corpus as a crawl with program pages makes it: some one-talk pages are talk records, and
    some write-ups are linked to a record of their conference (they take its title and speakers, and
    the record carries their text), so a search returns one result per talk."""
    by_conf: dict[str, list[dict]] = {}
    for _, entries in pages:
        if len(entries) == 1 and rng.random() < RECORD_SHARE:
            e = entries[0]
            e["record"], e["writeups"] = True, []
            by_conf.setdefault(e["conference"], []).append(e)
    for _, entries in pages:
        for e in entries:
            if e.get("record") or rng.random() >= LINK_SHARE or not by_conf.get(e["conference"]):
                continue
            r = rng.choice(by_conf[e["conference"]])
            e.update(talk_url=r["url"], own_title=e["title"], title=r["title"], speakers=list(r["speakers"]))
            r["writeups"].append({"id": e["id"], "url": e["url"], "page_url": e["page_url"], "title": e["own_title"],
                                  "site": e["site"], "author": "", "date": e["date"], "text": e["summary"]})
    return pages


def read_pages(data: Path, typed: bool = True) -> Iterator[tuple[str, list]]:
    """The corpus page by page: entries as TalkEntry (what srefind's stages pass), or as the plain
    dicts of the file (`typed=False`, for the FTS5 baseline)."""
    from srefind.models import TalkEntry

    with open(data / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            page_url, entries = json.loads(line)
            yield page_url, [TalkEntry.from_dict(e) for e in entries] if typed else entries


def batches(pages: Iterable[tuple[str, list]], size: int) -> Iterator[list[tuple[str, list]]]:
    batch: list[tuple[str, list]] = []
    for p in pages:
        batch.append(p)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_queries(data: Path) -> list[BenchQuery]:
    return [BenchQuery(**q) for q in json.loads((data / "queries.json").read_text())]


# --------------------------------------------------------------------------------------------
# Measurement helpers
# --------------------------------------------------------------------------------------------

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentile(values: Sequence[float], p: float) -> float:
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def latency_summary(ms: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2), "max_ms": round(max(ms), 2),
            "mean_ms": round(sum(ms) / len(ms), 2)}


Runner = Callable[[BenchQuery], int]  # answers one query, returns its total


def timed_pass(run: Runner, queries: list[BenchQuery]) -> tuple[list[float], list[int]]:
    """Every query once; per-query wall time (ms) and result totals."""
    ms: list[float] = []
    totals: list[int] = []
    for q in queries:
        t0 = time.perf_counter()
        total = run(q)
        ms.append((time.perf_counter() - t0) * 1000)
        totals.append(total)
    return ms, totals


def serve(run: Runner, queries: list[BenchQuery], open_seconds: float, rss_before_open: float,
          profile: str | None = None) -> dict:
    t0 = time.perf_counter()
    run(queries[0])
    cold_ms = (time.perf_counter() - t0) * 1000
    timed_pass(run, queries)  # warm-up
    load = os.getloadavg()[0]  # other work on the machine inflates latencies: recorded, not hidden
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
        ms, totals = timed_pass(run, queries)
        prof.disable()
        prof.dump_stats(profile)
    else:
        ms, totals = timed_pass(run, queries)
    by_kind: dict[str, list[float]] = {}
    for q, t in zip(queries, ms):
        by_kind.setdefault(q.kind, []).append(t)
    return {
        "open_seconds": round(open_seconds, 3), "cold_first_query_ms": round(cold_ms, 1),
        **latency_summary(ms),
        "p95_ms_by_kind": {k: round(percentile(v, 95), 1) for k, v in sorted(by_kind.items())},
        "queries_with_results": sum(1 for t in totals if t), "median_total": sorted(totals)[len(totals) // 2],
        "totals": totals,
        "rss_before_open_mb": round(rss_before_open, 1), "rss_end_mb": round(current_rss_mb(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1), "profiled": bool(profile),
        "loadavg_1m_before_timed_pass": round(load, 2),
    }


# --------------------------------------------------------------------------------------------
# srefind workers
# --------------------------------------------------------------------------------------------

def build_srefind(data: Path, batch_pages: int) -> dict:
    from srefind.index.search import apply_changes, finish_merges, open_index

    index_dir = data / "whoosh"
    shutil.rmtree(index_dir, ignore_errors=True)
    entries, commits, spent, last_commit = timed_commits(data, batch_pages, lambda b: apply_changes(index_dir, b),
                                                         "srefind")
    # A crawl waits for its background merge before it ends: that time counts too.
    t0 = time.perf_counter()
    finish_merges(index_dir)
    final_wait = time.perf_counter() - t0
    spent += final_wait
    size_mb = sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file()) / 2**20
    segments = [s.doc_count_all() for s in open_index(index_dir)._segments()]
    return {"entries": entries, "commits": commits, "build_seconds": round(spent, 1),
            "entries_per_second": round(entries / spent, 1), "last_batch_seconds": round(last_commit, 2),
            "final_merge_wait_seconds": round(final_wait, 2), "segments": len(segments),
            "on_disk_mb": round(size_mb, 1), "peak_rss_mb": round(peak_rss_mb(), 1)}


def build_whoosh(data: Path, batch_pages: int) -> dict:
    """Baseline: the same documents and schema through Whoosh's own SegmentWriter and merge policy
    (what srefind did before index/search/bulkwrite.py and index/search/merges.py). Build only, not served."""
    from srefind.index.search.store import _document, open_index

    index_dir = data / "whoosh-stock"
    shutil.rmtree(index_dir, ignore_errors=True)

    def commit(batch: list[tuple[str, list]]) -> None:
        writer = open_index(index_dir, create=True).writer(compound=False)
        for page_url, es in batch:
            writer.delete_by_term("page_url", page_url)
            for e in es:
                writer.add_document(**_document(e))
        writer.commit()

    entries, commits, spent, _ = timed_commits(data, batch_pages, commit, "whoosh")
    segments = len(open_index(index_dir)._segments())
    shutil.rmtree(index_dir, ignore_errors=True)
    return {"entries": entries, "commits": commits, "build_seconds": round(spent, 1),
            "entries_per_second": round(entries / spent, 1), "segments": segments,
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def timed_commits(data: Path, batch_pages: int, commit: Callable[[list], None],
                  label: str | None = None, typed: bool = True) -> tuple[int, int, float, float]:
    """Commit the corpus batch by batch, timing only the commits: (entries, commits, seconds, last)."""
    entries = commits = 0
    spent = last = 0.0
    for batch in batches(read_pages(data, typed), batch_pages):
        t0 = time.perf_counter()
        commit(batch)
        last = time.perf_counter() - t0
        spent += last
        commits += 1
        entries += sum(len(es) for _, es in batch)
        if label and commits % 10 == 0:
            print(f"    {label} build: {entries:,} entries, {spent:.0f} s", file=sys.stderr, flush=True)
    return entries, commits, spent, last


def serve_srefind(data: Path, profile: str | None) -> dict:
    from srefind.index.search import SearchEngine

    queries = load_queries(data)
    rss0 = current_rss_mb()
    t0 = time.perf_counter()
    engine = SearchEngine(data / "whoosh")
    open_s = time.perf_counter() - t0

    def run(q: BenchQuery) -> int:
        resp = engine.search(q.text, q.filters, sort="relevance", page=1, per_page=PER_PAGE)
        return resp.total

    out = serve(run, queries, open_s, rss0, profile)
    # Filters must reach the index as given (a synthetic company must not alias a real one).
    out["filters_rewritten"] = sum(1 for q in queries if engine._clean_filters(q.filters) != q.filters)
    engine.close()
    return out


# --------------------------------------------------------------------------------------------
# SQLite FTS5 workers
# --------------------------------------------------------------------------------------------

FTS5_SCHEMA = """
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, page_url TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX docs_page ON docs (page_url);
CREATE VIRTUAL TABLE fts USING fts5 (title, speakers, summary, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE facet (entry_id INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
                    PRIMARY KEY (entry_id, field, value)) WITHOUT ROWID;
CREATE INDEX facet_value ON facet (field, value, entry_id);
"""


def facet_rows(e: dict) -> Iterator[tuple[str, str]]:
    for c in e.get("companies", []):
        yield "company", c
    for t in e.get("topics", []):
        yield "topic", t
    if e.get("conference"):
        yield "conference", e["conference"]
    if e.get("year"):
        yield "year", str(e["year"])
    for s in e.get("speakers", []):
        yield "speaker", s
    if e.get("site"):
        yield "site", e["site"]


def build_fts5(data: Path, batch_pages: int) -> dict:
    path = data / "fts5.sqlite3"
    for p in data.glob("fts5.sqlite3*"):
        p.unlink()
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(FTS5_SCHEMA)

    def commit(batch: list[tuple[str, list[dict]]]) -> None:
        db.execute("BEGIN")
        for page_url, page_entries in batch:  # replace the page's entries, as apply_changes does
            old = [r for (r,) in db.execute("SELECT rowid FROM docs WHERE page_url = ?", (page_url,))]
            for r in old:
                db.execute("DELETE FROM fts WHERE rowid = ?", (r,))
                db.execute("DELETE FROM facet WHERE entry_id = ?", (r,))
                db.execute("DELETE FROM docs WHERE rowid = ?", (r,))
            for e in page_entries:
                cur = db.execute("INSERT OR REPLACE INTO docs (id, page_url, data) VALUES (?, ?, ?)",
                                 (e["id"], page_url, json.dumps(e)))
                rowid = cur.lastrowid
                db.execute("INSERT INTO fts (rowid, title, speakers, summary) VALUES (?, ?, ?, ?)",
                           (rowid, e["title"], ", ".join(e["speakers"]), e["summary"]))
                db.executemany("INSERT OR IGNORE INTO facet VALUES (?, ?, ?)",
                               [(rowid, f, v) for f, v in facet_rows(e)])
        db.execute("COMMIT")

    entries, commits, spent, _ = timed_commits(data, batch_pages, commit, typed=False)
    t0 = time.perf_counter()
    db.execute("ANALYZE")
    analyze_s = time.perf_counter() - t0
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"entries": entries, "commits": commits, "build_seconds": round(spent, 1),
            "entries_per_second": round(entries / spent, 1), "analyze_seconds": round(analyze_s, 2),
            "on_disk_mb": round(path.stat().st_size / 2**20, 1), "peak_rss_mb": round(peak_rss_mb(), 1)}


FTS5_TOKEN_RE = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')


def to_fts5(text: str) -> str:
    """srefind query syntax -> FTS5: words become quoted terms, AND-ed; phrases stay phrases;
    AND/OR/NOT and parentheses stay operators ("a NOT b" means the same in both). The AND is
    written out: FTS5 does not accept an implicit AND after a parenthesised group."""
    out: list[str] = []

    def operand(item: str) -> None:
        if out and out[-1] not in ("(", "AND", "OR", "NOT"):
            out.append("AND")
        out.append(item)

    for tok in FTS5_TOKEN_RE.findall(text):
        if tok in ("AND", "OR", "NOT", ")"):
            out.append(tok)
        elif tok == "(":
            operand(tok)
        elif tok.startswith('"'):
            words = re.findall(r"\w+", tok)
            if words:
                operand('"' + " ".join(words) + '"')
        else:
            for w in re.findall(r"\w+", tok):
                operand(f'"{w}"')
    return " ".join(out)


class Fts5Search:
    """The FTS5 side of the comparison: the same response srefind builds (hits with snippets,
    total, disjunctive facet counts), with a temp table holding the match set once per query."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache: a reasonable server setting
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.db.execute("CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY)")

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _filter_sql(col: str, filters: dict[str, list[str]], skip: str | None = None) -> tuple[str, list[str]]:
        clauses, params = [], []
        for f, values in filters.items():
            if f == skip or not values:
                continue
            marks = ", ".join("?" * len(values))
            clauses.append(f"EXISTS (SELECT 1 FROM facet x WHERE x.entry_id = {col} AND x.field = ? "
                           f"AND x.value IN ({marks}))")
            params += [f, *values]
        return (" AND ".join(clauses) or "1"), params

    def search(self, text: str, filters: dict[str, list[str]], per_page: int = PER_PAGE) -> dict:
        db = self.db
        match = to_fts5(text)
        db.execute("DELETE FROM temp.hits")
        try:
            db.execute("INSERT INTO temp.hits (id) SELECT rowid FROM fts WHERE fts MATCH ?", (match,))
        except sqlite3.OperationalError:
            return {"total": 0, "results": [], "facets": {}}
        where, params = self._filter_sql("h.id", filters)
        (total,) = db.execute(f"SELECT count(*) FROM temp.hits h WHERE {where}", params).fetchone()
        results = []
        if total:
            where_f, params_f = self._filter_sql("fts.rowid", filters)
            w = ", ".join(str(x) for x in FTS5_WEIGHTS)
            rows = db.execute(
                f"SELECT fts.rowid, bm25(fts, {w}) AS score, "
                f"snippet(fts, -1, '<mark>', '</mark>', ' … ', 40) FROM fts "
                f"WHERE fts MATCH ? AND {where_f} ORDER BY score LIMIT ?",
                [match, *params_f, per_page],
            ).fetchall()
            for rowid, score, snippet in rows:
                (data,) = db.execute("SELECT data FROM docs WHERE rowid = ?", (rowid,)).fetchone()
                results.append({**json.loads(data), "score": -score, "snippet": snippet})
        facets: dict[str, list[tuple[str, int]]] = {}
        for f in FACET_FIELDS:
            where_c, params_c = self._filter_sql("h.id", filters, skip=f)
            rows = db.execute(
                f"SELECT v.value, count(*) FROM temp.hits h JOIN facet v ON v.entry_id = h.id AND v.field = ? "
                f"WHERE {where_c} GROUP BY v.value",
                [f, *params_c],
            ).fetchall()
            facets[f] = sorted(rows, key=lambda r: (-r[1], r[0].lower()))
        return {"total": total, "results": results, "facets": facets}


def serve_fts5(data: Path, profile: str | None) -> dict:
    queries = load_queries(data)
    rss0 = current_rss_mb()
    t0 = time.perf_counter()
    fts = Fts5Search(data / "fts5.sqlite3")
    open_s = time.perf_counter() - t0
    out = serve(lambda q: fts.search(q.text, q.filters)["total"], queries, open_s, rss0, None)
    fts.close()
    return out


# --------------------------------------------------------------------------------------------
# Hostile queries (--hostile)
# --------------------------------------------------------------------------------------------

HOSTILE_FIXED: tuple[str, ...] = (
    "*", "a*", "*a*", "?", "??", "*e", "s*", "t?", "{a TO z}", "[a TO z]", "title:[* TO *]", "summary:[a TO z]",
    "title:>a", "summary:<z", "context:{0 TO 9}", "[0 TO 999999]", "tracing~", "latency~2", "kubernete~3",
    "observ*~", "*" * 200, "*a" * 100, "?" * 200, "a* b* c* d* e* f* g* h*", "*a* OR *e* OR *i* OR *o* OR *u*",
    " OR ".join(sorted(QUERYABLE_WORDS)[:120]), " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz"),
    "(" * 200 + "tracing" + ")" * 200, "(" * 500, ")" * 500, "((a OR (b AND (c OR (d AND (e OR f))))))" * 10,
    " ".join(sorted(QUERYABLE_WORDS)[:2000])[:10_240], "x" * 10_240, "* " * 5_000, "NOT *", "* NOT a*",
    "a* AND b* AND c*", "(*) OR (*)", "foo:bar", "nofield:*", "nofield:[a TO z]", "id:*", "url:*", "date:*",
    "data:*", "spell:*", "company:*", "topic:*", "conference:[a TO z]", "speaker:*", "site:*", "year:*",
    "summary:/.*/", "tracing\x00\x01\x07\x1b[31m kafka", "\u202etracing\u200b", "year:²", "year:①",
    "year:٢٠١٩", "year:2019..٢٠٢٠", "year:" + "9" * 4_300, "year:" + "9" * 20, "year:0..99999",
    "year:[0 TO 999999999999]", '"a b c d e f g h"~999', '"latency tail"~100000', "tracing^999999999",
    "<script>alert(1)</script>", "&lt;b&gt;", "\U0001F600" * 300, "ﬁ" * 300, "AND OR NOT", "\"", "'",
)
HOSTILE_PIECES: tuple[str, ...] = (
    "*", "?", "a*", "*e*", "s?r*", "{a TO z}", "[a TO m]", "title:[* TO *]", "~", "~5", "^9", "AND", "OR", "NOT",
    "(", ")", '"', "'", "year:²", "year:١٩", "company:*", "nofield:x", ":", "\x00", "\u200b", "①", "<b>", "&",
)


def hostile_queries(seed: int, n_random: int = 400) -> list[str]:
    """The fixed hostile queries, then `n_random` seeded mixes of syntax, words, unicode and numbers
    (the fuzzer of tests/test_hostile_queries.py, tests/hostile.py, with this benchmark's mix)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from hostile import hostile_query

    sys.path.pop(0)
    rng = random.Random(seed + 7)
    words = sorted(QUERYABLE_WORDS)
    return list(HOSTILE_FIXED) + [
        hostile_query(rng, HOSTILE_PIECES, words, max_parts=12, shares=(0.35, 0.65, 0.8), max_chars=8,
                      repeats=(1, 1, 1, 20))
        for _ in range(n_random)
    ]


def serve_hostile(data: Path) -> dict:
    """Each hostile query once (first sight: no cached term bitsets), with three facet filters on a
    third of them; the worst 10 by wall time. A rejected query (the engine's QueryError: a 400 on
    the web) counts as answered; any other exception is an error."""
    from srefind.index.search import SearchEngine

    engine = SearchEngine(data / "whoosh")
    engine.search("", {}, per_page=PER_PAGE)  # the generation's facet bitsets, built once
    filters = load_queries(data)[0].filters
    timed: list[tuple[float, str, str]] = []
    rejected = errors = 0
    for i, q in enumerate(hostile_queries(SEED)):
        t0 = time.perf_counter()
        try:
            resp = engine.search(q, filters if i % 3 == 2 else {}, page=1, per_page=PER_PAGE)
            outcome = f"{resp.total} hits" + (f"; {len(resp.notices)} notices" if resp.notices else "")
        except ValueError as exc:  # srefind.index.search.query.QueryError: the web answers 400
            rejected += 1
            outcome = f"rejected: {exc}"
        except Exception as exc:  # noqa: BLE001 - every other failure is what the pass looks for
            errors += 1
            outcome = f"ERROR {type(exc).__name__}: {exc}"
        timed.append(((time.perf_counter() - t0) * 1000, q, outcome))
    engine.close()
    ms = [t for t, _, _ in timed]
    worst = sorted(timed, key=lambda r: -r[0])[:10]
    return {"queries": len(timed), **latency_summary(ms), "rejected": rejected, "errors": errors,
            "worst": [{"ms": round(t, 1), "query": _show(q), "outcome": o[:120]} for t, q, o in worst],
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def _show(q: str, width: int = 60) -> str:
    """A query as printable ASCII, long ones abbreviated with their length."""
    r = ascii(q)[1:-1]
    return r if len(r) <= width else f"{r[:width - 14]}... ({len(q):,} chars)"


def print_hostile(results: list[dict]) -> None:
    for r in results:
        h = r.get("hostile")
        if not h:
            continue
        print(f"{r['size']:>8,}  hostile queries: {h['queries']} (rejected {h['rejected']}, errors {h['errors']}); "
              f"p50 {h['p50_ms']:.1f} ms, p95 {h['p95_ms']:.1f} ms, max {h['max_ms']:.1f} ms. Worst 10:")
        for w in h["worst"]:
            print(f"{'':>10}{w['ms']:>9.1f} ms  {w['query']:<62} {w['outcome']}")
        print()


WORKERS = {
    "build-srefind": lambda a: build_srefind(a.data, a.batch_pages),
    "serve-srefind": lambda a: serve_srefind(a.data, a.profile),
    "build-fts5": lambda a: build_fts5(a.data, a.batch_pages),
    "build-whoosh": lambda a: build_whoosh(a.data, a.batch_pages),
    "serve-fts5": lambda a: serve_fts5(a.data, a.profile),
    "serve-hostile": lambda a: serve_hostile(a.data),
}


# --------------------------------------------------------------------------------------------
# Orchestration (parent process)
# --------------------------------------------------------------------------------------------

def run_worker(kind: str, data: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--data", str(data),
           "--batch-pages", str(args.batch_pages)]
    if args.profile and kind == "serve-srefind":
        cmd += ["--profile", args.profile]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode:
        raise SystemExit(f"worker {kind} failed (exit {proc.returncode})")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - t0, 1)
    return result


def bench_size(size: int, args: argparse.Namespace, root: Path) -> dict:
    data = root / str(size)

    def say(m: str) -> None:
        print(m, file=sys.stderr, flush=True)

    wanted = {"size": size, "seed": args.seed, "queries": args.queries}
    manifest_path = data / "manifest.json"
    reuse = args.reuse and manifest_path.exists() and all(
        json.loads(manifest_path.read_text()).get(k) == v for k, v in wanted.items())
    if reuse:
        manifest = json.loads(manifest_path.read_text())
        say(f"[{size:,}] reusing corpus in {data}")
    else:
        say(f"[{size:,}] generating corpus and {args.queries} queries in {data}")
        shutil.rmtree(data, ignore_errors=True)
        manifest = prepare(data, size, args.seed, args.queries)
    result: dict[str, Any] = {"size": size, "corpus": manifest}
    for engine in args.engines:
        saved = data / f"build-{engine}.json"
        if reuse and saved.exists():
            build = json.loads(saved.read_text())
        else:
            say(f"[{size:,}] {engine}: building")
            build = run_worker(f"build-{engine}", data, args)
            saved.write_text(json.dumps(build))
        if engine == "whoosh":  # a build baseline only
            result[engine] = {"build": build}
            continue
        say(f"[{size:,}] {engine}: serving {args.queries} queries")
        served = run_worker(f"serve-{engine}", data, args)
        result[engine] = {"build": build, "serve": served}
    if args.hostile and "srefind" in args.engines:
        say(f"[{size:,}] srefind: hostile queries")
        result["hostile"] = run_worker("serve-hostile", data, args)
    if "srefind" in result and "whoosh" in result:
        result["build_srefind_over_whoosh"] = round(
            result["srefind"]["build"]["entries_per_second"] / result["whoosh"]["build"]["entries_per_second"], 2)
    if "srefind" in result and "fts5" in result:
        a, b = result["srefind"]["serve"], result["fts5"]["serve"]
        result["fts5_p95_over_srefind_p95"] = round(b["p95_ms"] / a["p95_ms"], 2)
        result["fts5_p50_over_srefind_p50"] = round(b["p50_ms"] / a["p50_ms"], 2)
        same = sum(1 for x, y in zip(a["totals"], b["totals"]) if x == y)
        result["queries_with_equal_totals"] = same
    for engine in args.engines:
        result[engine].get("serve", {}).pop("totals", None)
    return result


def goal_lines(r: dict) -> list[str]:
    size, lines = r["size"], []
    s = r.get("srefind")
    if not s:
        return lines
    ok = lambda b: "ok " if b else "MISS"  # noqa: E731
    bps = s["build"]["entries_per_second"]
    lines.append(f"  [{ok(bps >= GOALS['build_entries_per_s'])}] index build {bps:,.0f} entries/s (goal >= 1,000)"
                 + (f"; {r['build_srefind_over_whoosh']:.2f}x Whoosh's own writer in this run"
                    if "build_srefind_over_whoosh" in r else ""))
    p95 = s["serve"]["p95_ms"]
    if size <= 10_000:
        lines.append(f"  [{ok(p95 <= GOALS['p95_ms_10k'])}] p95 {p95:.1f} ms (goal <= 30 ms at 10k)")
    else:
        lines.append(f"  [{ok(p95 <= GOALS['p95_ms_100k'])}] p95 {p95:.1f} ms (goal <= 200 ms at 100k)")
        rss = s["serve"]["peak_rss_mb"]
        lines.append(f"  [{ok(rss <= GOALS['serve_rss_mb_100k'])}] serving peak RSS {rss:.0f} MB (goal <= 400 MB)")
        if "fts5_p95_over_srefind_p95" in r:
            ratio = r["fts5_p95_over_srefind_p95"]
            lines.append(f"  [{ok(ratio > 1)}] faster than FTS5 at p95: FTS5/srefind = {ratio:.2f}x (goal > 1)")
    return lines


def print_report(results: list[dict], total_s: float) -> None:
    head = (f"{'size':>8}  {'engine':<12} {'build/s':>8} {'build':>6} {'bRSS':>6} {'open':>6} {'cold':>7} "
            f"{'p50':>7} {'p95':>7} {'p99':>7} {'sRSS':>6} {'hits>0':>7}")
    print(head)
    print(f"{'':>8}  {'':<12} {'entries':>8} {'s':>6} {'MB':>6} {'s':>6} {'ms':>7} "
          f"{'ms':>7} {'ms':>7} {'ms':>7} {'MB':>6} {'queries':>7}")
    print("-" * len(head))
    for r in results:
        if "whoosh" in r:
            b = r["whoosh"]["build"]
            print(f"{r['size']:>8,}  {'whoosh-stock':<12} {b['entries_per_second']:>8,.0f} {b['build_seconds']:>6.0f} "
                  f"{b['peak_rss_mb']:>6.0f}   (build baseline: Whoosh's SegmentWriter + MERGE_SMALL, not served)")
        for engine, label in (("srefind", "srefind"), ("fts5", "sqlite-fts5")):
            if engine not in r:
                continue
            b, s = r[engine]["build"], r[engine]["serve"]
            print(f"{r['size']:>8,}  {label:<12} {b['entries_per_second']:>8,.0f} {b['build_seconds']:>6.0f} "
                  f"{b['peak_rss_mb']:>6.0f} {s['open_seconds']:>6.2f} {s['cold_first_query_ms']:>7.0f} "
                  f"{s['p50_ms']:>7.1f} {s['p95_ms']:>7.1f} {s['p99_ms']:>7.1f} {s['peak_rss_mb']:>6.0f} "
                  f"{s['queries_with_results']:>7}")
        if "fts5_p95_over_srefind_p95" in r:
            print(f"{'':>8}  FTS5_p95 / srefind_p95 = {r['fts5_p95_over_srefind_p95']:.2f}   "
                  f"(p50 ratio {r['fts5_p50_over_srefind_p50']:.2f}; >1 means srefind is faster; "
                  f"equal totals on {r['queries_with_equal_totals']}/{r['corpus']['queries']} queries)")
        for engine in ("srefind", "fts5"):
            if engine in r:
                kinds = ", ".join(f"{k} {v:.0f}" for k, v in r[engine]["serve"]["p95_ms_by_kind"].items())
                print(f"{'':>8}  {engine} p95 by query kind (ms): {kinds}")
        c = r["corpus"]
        if "records" in c:
            print(f"{'':>8}  corpus: {c['size']:,} entries = {c['talks']:,} results ({c['records']:,} talk records holding "
                  f"{c['linked_writeups']:,} linked write-ups, {c['writeups_per_record']} per record; FTS5 indexes "
                  f"every entry, so its totals count write-ups)")
        for line in goal_lines(r):
            print(line)
        print()
    print("build/s: entries per second over all commits (srefind: plus waiting for its last background merge);")
    print("bRSS/sRSS: peak RSS (ru_maxrss) of the build and")
    print("serving processes; cold: the first query after opening (srefind builds its facet bitsets there;")
    print("for FTS5 it mostly reflects whether the database file is in the OS page cache);")
    print(f"p50/p95/p99 over one timed pass after a warm-up pass. Total run time {total_s / 60:.1f} min.")
    loads = [r[e]["serve"]["loadavg_1m_before_timed_pass"] for r in results for e in ("srefind", "fts5") if e in r]
    if loads:
        print(f"1-min load average before the timed passes: {min(loads):.2f}-{max(loads):.2f} on {os.cpu_count()} CPUs"
              + ("  (other work was running: latencies are inflated)" if max(loads) > 1.5 else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes (entries)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--engines", default="srefind,fts5",
                    help="comma-separated: srefind, fts5 (served baseline), whoosh (build-only baseline: Whoosh's own "
                         "writer and merge policy; ~15 min at 100k)")
    ap.add_argument("--batch-pages", type=int, default=BATCH_PAGES, help="pages per commit while building")
    ap.add_argument("--workdir", type=Path, help="where corpora, index and database go; kept afterwards "
                    "(default: a temp dir, removed unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir and say where it is")
    ap.add_argument("--reuse", action="store_true", help="reuse corpus and builds found in --workdir")
    ap.add_argument("--profile", help="cProfile srefind's timed query pass into this file (inflates its latencies)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--hostile", action="store_true", help="also time srefind on hostile queries (wildcards, "
                    "ranges, 200 *s, deep parentheses, 10 KB queries, unicode digits...): the worst 10")
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return

    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    root = args.workdir or Path(tempfile.mkdtemp(prefix="srefind-search-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        results = [bench_size(n, args, root) for n in sizes]
    finally:
        if not args.workdir and not args.keep:  # a --workdir is the user's: never removed
            shutil.rmtree(root, ignore_errors=True)
        elif args.keep:
            print(f"kept {root}", file=sys.stderr)
    total_s = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"results": results, "goals": GOALS, "total_seconds": round(total_s, 1)}, indent=2))
    else:
        print_report(results, total_s)
        print_hostile(results)


if __name__ == "__main__":
    main()
