"""robots.txt, parsed by protego (the parser Scrapy uses): fetched once per origin per run."""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego

ROBOTS_MAX_BYTES = 500 * 1024  # Google reads the first 500 KiB of a robots.txt and ignores the rest


@dataclass
class RobotsRules:
    """What one origin's robots.txt says for our user agent."""

    parser: Protego | None = None
    reachable: bool = True  # False when robots.txt answered 5xx or not at all: do not crawl now
    sitemaps: list[str] = field(default_factory=list)

    def allows(self, url: str, agent: str) -> bool:
        if not self.reachable:
            return False
        return True if self.parser is None else self.parser.can_fetch(url, agent)

    def crawl_delay(self, agent: str) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay else 0.0


def rules_from_response(status: int, body: bytes, error: str) -> RobotsRules:
    """RFC 9309: 2xx parse; 4xx means everything is allowed; 5xx or no answer means crawl nothing now."""
    if error in ("timeout", "connection") or status >= 500 or status == 0:
        return RobotsRules(reachable=False)
    if 400 <= status < 500:
        return RobotsRules()
    if status == 200:
        text = body.decode("utf-8", errors="replace")
        parser = Protego.parse(text)
        return RobotsRules(parser=parser, sitemaps=list(parser.sitemaps))
    return RobotsRules()
