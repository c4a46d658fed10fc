"""pyevents on Scrapyd: the project's settings (the spider is pyevents.shardspider.ShardSpider)."""
