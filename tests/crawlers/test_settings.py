"""The Scrapy settings are explicit and come from the config."""

from __future__ import annotations

from pyevents.config import Config, CrawlConfig, FederationConfig
from pyevents.crawlers.settings import MIN_REQUEST_SPACING_SECONDS, crawl_settings


def _config(delay_seconds: float = 2.5) -> Config:
    crawl = CrawlConfig(
        delay_seconds=delay_seconds, per_host_concurrency=3, timeout_seconds=42, max_bytes=123_456, retries=4, concurrency=20
    )
    return Config(
        federation=FederationConfig(contact="mailto:crawl@example.net", crawl=crawl, allow_private_hosts=["127.0.0.1:8080"])
    )


def test_politeness_and_limits_come_from_the_config() -> None:
    config = _config()
    s = crawl_settings(config.crawl_settings())
    assert s.getbool("ROBOTSTXT_OBEY") is True
    assert s["USER_AGENT"] == config.user_agent and "mailto:crawl@example.net" in s["USER_AGENT"]
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 3
    assert s.getint("CONCURRENT_REQUESTS") == 20
    assert s.getfloat("DOWNLOAD_DELAY") == 2.5
    assert s.getfloat("DOWNLOAD_DELAY_JITTER") == 0.0
    assert s.getfloat("DOWNLOAD_TIMEOUT") == 42
    assert 0 < s.getfloat("DNS_TIMEOUT") <= 42
    assert s.getint("RETRY_TIMES") == 4
    assert {500, 502, 503, 504, 429}.issubset(set(s.getlist("RETRY_HTTP_CODES")))
    assert s.getint("DOWNLOAD_MAXSIZE") == 123_456
    assert 0 < s.getint("DOWNLOAD_WARNSIZE") < 123_456
    assert 0 < s.getint("REDIRECT_MAX_TIMES") <= 5
    assert s.getlist("PYEVENTS_ALLOW_PRIVATE_HOSTS") == ["127.0.0.1:8080"]


def test_unsafe_and_stateful_features_are_off() -> None:
    s = crawl_settings(_config().crawl_settings())
    for name in (
        "TELNETCONSOLE_ENABLED",
        "REMOTE_CONTROL_ENABLED",
        "COOKIES_ENABLED",
        "AUTOTHROTTLE_ENABLED",
        "HTTPCACHE_ENABLED",
        "HTTPPROXY_ENABLED",
        "DNSCACHE_ENABLED",
        "LOG_INSTALL_ROOT_HANDLER",
        "LOG_STDOUT",
        "MEMUSAGE_ENABLED",
    ):
        assert s.getbool(name) is False, name
    from scrapy.extension import ExtensionManager

    assert ExtensionManager._get_mwlist_from_settings(s) == []  # no telnet console, no remote control
    handlers = s.getdict("DOWNLOAD_HANDLERS")
    assert handlers["ftp"] is None and handlers["data"] is None and handlers["s3"] is None
    assert s["LOG_LEVEL"] == "WARNING"
    assert s["REFERRER_POLICY"] == "no-referrer"


def test_our_components_replace_scrapys() -> None:
    s = crawl_settings(_config().crawl_settings())
    from scrapy.core.downloader.middleware import DownloaderMiddlewareManager

    enabled = DownloaderMiddlewareManager._get_mwlist_from_settings(s)
    assert "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware" not in enabled
    assert "scrapy.downloadermiddlewares.retry.RetryMiddleware" not in enabled
    # The address guard runs first, before the robots gate, so robots.txt requests are guarded too.
    assert enabled[:2] == [
        "pyevents.crawlers.middlewares.AddressGuardMiddleware",
        "pyevents.crawlers.robots.RobotsGateMiddleware",
    ]
    # Where Scrapy's retry middleware was: after the user agent, before redirects and decompression.
    assert s.getwithbase("DOWNLOADER_MIDDLEWARES")["pyevents.crawlers.middlewares.RetryAfterMiddleware"] == 550
    assert s["TWISTED_DNS_RESOLVER"] == "pyevents.crawlers.resolver.SafeHostnameResolver"
    assert s["TWISTED_REACTOR"] == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
    assert s["REQUEST_FINGERPRINTER_CLASS"] == "scrapy.utils.request.RequestFingerprinter"


def test_only_the_components_the_crawl_uses_are_enabled() -> None:
    """Each enabled middleware and extension costs per request; a Scrapy upgrade adding one must be noticed."""
    from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
    from scrapy.core.spidermw import SpiderMiddlewareManager
    from scrapy.extension import ExtensionManager

    s = crawl_settings(_config().crawl_settings())
    assert DownloaderMiddlewareManager._get_mwlist_from_settings(s) == [
        "pyevents.crawlers.middlewares.AddressGuardMiddleware",
        "pyevents.crawlers.robots.RobotsGateMiddleware",
        "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware",
        "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware",
        "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware",
        "pyevents.crawlers.middlewares.RetryAfterMiddleware",
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware",
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware",
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware",
    ]
    assert SpiderMiddlewareManager._get_mwlist_from_settings(s) == [
        "scrapy.spidermiddlewares.start.StartSpiderMiddleware",
        "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware",
        "scrapy.spidermiddlewares.referer.RefererMiddleware",
        "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware",
        "scrapy.spidermiddlewares.depth.DepthMiddleware",
    ]
    assert ExtensionManager._get_mwlist_from_settings(s) == []
    assert s["STATS_CLASS"] == "scrapy.statscollectors.DummyStatsCollector"
    assert s.getint("CONCURRENT_ITEMS") == 1


def test_requests_to_a_host_are_spaced_a_little_even_without_a_delay() -> None:
    assert crawl_settings(_config(delay_seconds=0.0).crawl_settings()).getfloat("DOWNLOAD_DELAY") == MIN_REQUEST_SPACING_SECONDS
    assert 0 < MIN_REQUEST_SPACING_SECONDS <= 0.001  # a burst breaker, not a politeness delay
