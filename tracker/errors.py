"""The one error root; the CLI turns these into clear messages."""


class TrackerError(Exception):
    """Base class for every error the tracker raises on purpose."""


class ConfigError(TrackerError):
    """The configuration file or environment is wrong."""


class StoreError(TrackerError):
    """The database could not be read or written."""


class CrawlError(TrackerError):
    """A crawl could not run or did not complete."""


class ValidationError(TrackerError):
    """A scraped item or a form submission broke the contract."""
