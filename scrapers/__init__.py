"""Scrapy project: one spider per source; fetch and parse, never touch the database directly."""
