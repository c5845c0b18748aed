"""Synthetic talk entries and a varied query mix, seeded, for tests that need an index of some size.

Words, companies, topics and speakers are drawn from small fixed lists so that queries (words,
phrases, typos, field queries, facet filters, pages 1-5) have many matches and many facets.
"""

from __future__ import annotations

import random

from srefind.models import TalkEntry

WORDS = ("tracing latency kubernetes incident postmortem capacity queue database migration cache outage "
         "error budget alerting paging burnout reliability chaos deploy rollback canary storage network "
         "observability metrics logs sampling scheduler cluster failover replica consensus kafka "
         "dashboard runbook toil automation terraform ansible puppet service mesh proxy envoy istio "
         "load balancer dns certificate rotation secrets vault encryption compliance audit firewall "
         "throughput backpressure retries timeout circuit breaker quota autoscaling forecast regression "
         "postgres mysql rocksdb cassandra redis memcached shard partition leader election raft paxos "
         "oncall handoff escalation severity blameless timeline remediation learning culture hiring "
         "mentoring onboarding training documentation review testing staging production release "
         "feature flag experiment rollout traffic region datacenter cloud migration cost efficiency").split()
COMPANIES = ["Google", "Uber", "Netflix", "Shopify", "Meta", "LinkedIn", "Slack", "Dropbox", "Spotify", "Twitter"]
TOPICS = ["tracing", "kubernetes", "postmortems", "capacity-planning", "slo", "databases", "chaos-engineering",
          "observability", "on-call", "deployment"]
CONFERENCES = ["SREcon18 Americas", "SREcon19 EMEA", "SREcon19 Americas", "SREcon22 Americas", "SREcon23 EMEA"]
NAMES = ["Ana Ruiz", "Ben Okafor", "Chen Wei", "Dana Kim", "Eli Novak", "Femi Ade", "Gus Lund", "Hana Sato"]


def entries_for_page(rng: random.Random, page: int, revision: int = 0) -> list[TalkEntry]:
    """The entries of page `page` (1-3 talks); `revision` changes their text, as an edit would."""
    out = []
    for t in range(rng.randint(1, 3)):
        url = f"http://blog{page % 7}.test/post-{page}/#talk-{t}"
        conf = rng.choice(CONFERENCES)
        words = rng.choices(WORDS, k=rng.randint(25, 60)) + (["revised", f"rev{revision}"] if revision else [])
        out.append(TalkEntry(**{
            "id": f"p{page}-t{t}", "url": url, "page_url": url.split("#")[0],
            "title": " ".join(rng.sample(WORDS, 4)).capitalize(),
            "speakers": rng.sample(NAMES, rng.randint(0, 2)),
            "companies": rng.sample(COMPANIES, rng.randint(0, 2)),
            "topics": rng.sample(TOPICS, rng.randint(1, 3)),
            "conference": conf, "year": int(conf[6:8]) + 2000,
            "date": f"{int(conf[6:8]) + 2000}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "summary": " ".join(words), "site": f"blog{page % 7}.test",
        }))
    return out


def pages(n: int, seed: int = 1, start: int = 0, revision: int = 0) -> list[tuple[str, list[TalkEntry]]]:
    rng = random.Random(seed)
    out = []
    for p in range(start, start + n):
        entries = entries_for_page(rng, p, revision)
        out.append((entries[0].page_url, entries))
    return out


def queries(n: int, seed: int = 2) -> list[dict]:
    """Search requests as keyword arguments of SearchEngine.search (query first)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        kind = rng.choice(["words", "words", "phrase", "typo", "field", "browse", "boolean"])
        if kind == "words":
            q = " ".join(rng.sample(WORDS, rng.randint(1, 2)))
        elif kind == "phrase":
            i = rng.randrange(len(WORDS) - 1)
            q = f'"{WORDS[i]} {WORDS[i + 1]}"'
        elif kind == "typo":
            w = rng.choice([w for w in WORDS if len(w) > 6])
            j = rng.randrange(1, len(w) - 1)
            q = w[:j] + w[j + 1:]
        elif kind == "field":
            q = rng.choice([f"company:{rng.choice(COMPANIES).lower()}", f"topic:{rng.choice(TOPICS)}",
                            "year:2018..2019", f'speaker:"{rng.choice(NAMES).lower()}"'])
        elif kind == "boolean":
            a, b = rng.sample(WORDS, 2)
            q = rng.choice([f"{a} AND NOT {b}", f"({a} OR {b})"])
        else:
            q = ""
        filters: dict[str, list[str]] = {}
        if rng.random() < 0.4:
            filters["company"] = rng.sample(COMPANIES, rng.randint(1, 2))
        if rng.random() < 0.3:
            filters["topic"] = [rng.choice(TOPICS)]
        if rng.random() < 0.2:
            filters["year"] = [str(rng.choice([2018, 2019, 2022]))]
        out.append({"query": q, "filters": filters, "page": rng.randint(1, 5),
                    "sort": rng.choice(["relevance", "relevance", "relevance", "newest"])})
    return out
