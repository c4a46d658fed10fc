"""Every Scrapy setting the crawl depends on, written out and derived from the federation's crawl settings.

Nothing is left to Scrapy's defaults where a default would be impolite or unsafe: components read
their values from these settings in `from_crawler`, never from globals.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings

from pyevents.crawlers.jobs import CrawlSettings

ROBOTS_USER_AGENT = "pyevents"  # the product token robots.txt groups are matched against
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB of robots.txt
MAX_RETRY_AFTER_SECONDS = 120.0  # a longer Retry-After fails the source for this run instead
REDIRECT_MAX_TIMES = 5
METAREFRESH_MAX_DELAY_SECONDS = 30
DNS_TIMEOUT_SECONDS = 5.0  # a name server's own retry period: past it, the lookup is retried or the host fails
# Requests to one host start at least this far apart, even with `delay_seconds: 0`: connections started
# in one instant overflow a small server's listen queue, and the kernel retries a dropped one only a second later.
MIN_REQUEST_SPACING_SECONDS = 0.0005
# Process-wide: a Scrapy process installs its reactor and resolver before any crawl's own settings apply.
REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # spiders use `async def start()`
RESOLVER = "pyevents.crawlers.resolver.SafeHostnameResolver"


def crawl_settings(crawl: CrawlSettings) -> Settings:
    """The Scrapy settings for one crawl with the federation's `crawl` settings."""
    values: dict[str, Any] = {
        # Identity and politeness
        "BOT_NAME": "pyevents",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": ROBOTS_USER_AGENT,
        "PYEVENTS_ROBOTS_MAX_BYTES": ROBOTS_MAX_BYTES,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_host_concurrency,
        # Scrapy starts this many tasks for each response's output, and callbacks return no items (only
        # the few requests for a feed's entry pages).
        "CONCURRENT_ITEMS": 1,
        "DOWNLOAD_DELAY": max(crawl.delay_seconds, MIN_REQUEST_SPACING_SECONDS),
        # Exact delays: the operator chose them, and tests can measure them.
        "DOWNLOAD_DELAY_JITTER": 0.0,
        "AUTOTHROTTLE_ENABLED": False,
        # Limits
        "DOWNLOAD_TIMEOUT": crawl.timeout_seconds,
        "DNS_TIMEOUT": min(DNS_TIMEOUT_SECONDS, crawl.timeout_seconds),
        "DOWNLOAD_MAXSIZE": crawl.max_bytes,
        "DOWNLOAD_WARNSIZE": crawl.max_bytes // 2,
        "DOWNLOAD_FAIL_ON_DATALOSS": True,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",  # the FetchResult reports it; not a warning of ours
        "PYEVENTS_MAX_RETRY_AFTER": MAX_RETRY_AFTER_SECONDS,
        "REDIRECT_ENABLED": True,
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        "METAREFRESH_ENABLED": True,
        "METAREFRESH_MAXDELAY": METAREFRESH_MAX_DELAY_SECONDS,
        "URLLENGTH_LIMIT": 2083,
        "DEPTH_LIMIT": 1,  # a source's document, and the pages its feed entries link to; nothing deeper
        "COMPRESSION_ENABLED": True,  # decompressed size is bounded by DOWNLOAD_MAXSIZE too
        # Address safety: every lookup goes through our resolver, no cache to outlive a check
        "TWISTED_DNS_RESOLVER": RESOLVER,
        "DNSCACHE_ENABLED": False,
        "PYEVENTS_ALLOW_PRIVATE_HOSTS": list(crawl.allow_private_hosts),
        "HTTPPROXY_ENABLED": False,  # a proxy from the environment would hide the real destination
        "DOWNLOAD_VERIFY_CERTIFICATES": True,  # what we republish must come from the host it names
        "DOWNLOAD_HANDLERS": {"ftp": None, "s3": None, "data": None},  # http(s), and file: for the demo
        # Nothing kept between requests or runs; nothing said about where we came from
        "COOKIES_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "REFERER_ENABLED": True,  # enabled only so that its policy applies to redirects too:
        "REFERRER_POLICY": "no-referrer",
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",  # two sources may share a URL
        "REQUEST_FINGERPRINTER_CLASS": "scrapy.utils.request.RequestFingerprinter",
        # No listening sockets, no side channels
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "MEMUSAGE_ENABLED": False,
        "MEMDEBUG_ENABLED": False,
        # Per-request bookkeeping nothing reads: FetchResult and the run report say what happened.
        "STATS_CLASS": "scrapy.statscollectors.DummyStatsCollector",
        "STATS_DUMP": False,
        "LOGSTATS_INTERVAL": 0,
        "LOG_VERSIONS": [],  # looking up a dozen package versions at start-up, for an INFO line never shown
        # Every component of the crawl, written out as the whole list: Scrapy imports each class a
        # component setting names, even one set to None, so disabling the defaults one by one imported
        # aiohttp, tldextract and requests at start-up for components that never ran. Left out on
        # purpose: Scrapy's robots.txt and retry middlewares (ours replace them), offsite (every source is
        # its own site), HTTP auth, proxy, cache, cookies, stats, the meta-copy warning, and every extension
        # (telnet, remote control, memory usage, log stats, feed export, autothrottle, spider state, ...).
        "EXTENSIONS_BASE": {},
        "EXTENSIONS": {},
        "DOWNLOADER_MIDDLEWARES_BASE": {
            "pyevents.crawlers.middlewares.AddressGuardMiddleware": 40,  # first, so robots.txt requests are guarded too
            "pyevents.crawlers.robots.RobotsGateMiddleware": 100,
            "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware": 350,
            "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": 400,
            "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": 500,
            "pyevents.crawlers.middlewares.RetryAfterMiddleware": 550,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": 580,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 590,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": 600,
        },
        "DOWNLOADER_MIDDLEWARES": {},
        "SPIDER_MIDDLEWARES_BASE": {
            "scrapy.spidermiddlewares.start.StartSpiderMiddleware": 25,
            "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware": 50,
            "scrapy.spidermiddlewares.referer.RefererMiddleware": 700,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": 800,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": 900,
        },
        "SPIDER_MIDDLEWARES": {},
        # Logging: warnings and worse, to the `scrapy` logger; no root handler, nothing on stdout
        "LOG_ENABLED": True,
        "LOG_LEVEL": "WARNING",
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_STDOUT": False,
        "TWISTED_REACTOR_ENABLED": True,
        "TWISTED_REACTOR": REACTOR,
    }
    return Settings(values, priority="project")
