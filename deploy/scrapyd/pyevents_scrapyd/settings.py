"""Scrapy project settings of a Scrapyd node: what the process needs before a crawl's own settings apply."""

from pyevents.shardspider import PROCESS_SETTINGS

globals().update(PROCESS_SETTINGS)
