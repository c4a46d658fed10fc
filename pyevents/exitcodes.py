"""The contract's exit statuses."""

OK = 0  # every source fine
SOURCES_FAILED = 1  # the run completed and published, but some sources failed (they are reported)
USAGE = 2  # usage or configuration error: nothing crawled or written
UNPUBLISHABLE = 3  # nothing could be published: database or output unusable, or another run holds the lock
