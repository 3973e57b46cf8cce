"""Helpers shared by the test modules (never imported from a test module): paths, local servers, spider
serving, briefing data, feeds, the browser."""
