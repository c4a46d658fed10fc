"""Spiders: one generic spider fetches every configured source (`crawlers.spiders.sources`).

`SITE_SPIDERS` maps a source `type` name to a spider for a site that publishes no machine-readable
calendar. Config validation imports this module, so it stays free of Scrapy imports. It is empty:
every source so far publishes iCal, RSS/Atom, schema.org/microformats pages or a listing file.
"""

from __future__ import annotations

SITE_SPIDERS: dict[str, type] = {}
