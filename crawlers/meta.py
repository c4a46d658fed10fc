"""Names of the `Request.meta` keys the crawler's own components share."""

SOURCE_ID = "pyevents_source_id"  # the source a request works for
CONFIGURED_URL = "pyevents_configured_url"  # set on a source's own request: the URL the config names
LINKED_PAGE = "pyevents_linked_page"  # set on feed entry pages fetched on a source's behalf
ROBOTS = "pyevents_robots"  # set on robots.txt requests, which robots.txt itself does not gate
