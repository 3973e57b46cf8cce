"""Politeness and reliability settings for every spider, in one place."""

BOT_NAME = "seoc-tracker"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

# Identify ourselves with a contact, as legislation.gov.uk and GDS ask.
USER_AGENT = (
    "seoc-tracker/0.1 (+https://github.com/seoc-tracker/seoc-tracker; "
    "SEOC policy reform tracker; contact seoc-tracker@users.noreply.github.com)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 45
# Refuse bodies that could exhaust memory (a hostile or broken server); warn well before.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Our retry honours Retry-After and backs off exponentially; it replaces Scrapy's plain one.
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    # robots.txt as Scrapy obeys it, reused by polls for up to a day (scrapers/polling.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scrapers.polling.StoredRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapers.middlewares.BackoffRetryMiddleware": 550,
    # After retries (a 304 is final), before redirects: conditional listings, known details skipped.
    "scrapers.polling.ConditionalRequestMiddleware": 560,
    # Sees responses before the redirect middleware (600) does.
    "scrapers.middlewares.OffsiteRedirectGuard": 650,
    "scrapers.middlewares.SnapshotReplayMiddleware": 950,
    "scrapers.middlewares.SnapshotRecordMiddleware": 960,
}
ITEM_PIPELINES = {"scrapers.pipelines.StorePipeline": 300}
EXTENSIONS = {"scrapers.extensions.ProgressReporter": 500}
HTTPERROR_ALLOW_ALL = False

# Scrapy 2.19 starts a code-execution control server by default; a scraper must never expose it.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# Set per crawl by scrapers.run: the database, and optionally a snapshot to replay or record.
TRACKER_DB = None
SNAPSHOT_DIR = None
SNAPSHOT_RECORD_DIR = None
PROGRESS_EVERY_SECONDS = 2.0
#: A poll (scrapers.run --poll): conditional listings and no refetch of known details (scrapers/polling.py).
#: Same delays and concurrency as a crawl: a poll never asks a source faster than a crawl does.
POLL = False
