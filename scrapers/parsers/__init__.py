"""Pure parsers: payload (+ url, now) -> typed items. No Scrapy, no network, no clock."""
