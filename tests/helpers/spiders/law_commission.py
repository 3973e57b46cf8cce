"""Law Commission projects in WordPress REST listings (assembled per test in the post shape) and the
re-expressed real project pages of tests/fixtures/law-commission/ (see SOURCES.md there)."""
from __future__ import annotations

import json

from .. import FIXTURES

PAGES = FIXTURES / "law-commission"
LIST = "/wp-json/wp/v2/{type}?per_page=100&page={page}&orderby=modified&order=desc"
PROJECT_PAGE = "/project/{slug}/"
TITLES = {"corporate-criminal-liability": "Corporate Criminal Liability", "search-warrants": "Search Warrants",
          "product-liability": "Product liability"}


def post(wp_id: int, slug: str, modified: str = "2025-03-01T10:00:00") -> dict:
    return {"id": wp_id, "slug": slug, "type": "project", "link": f"https://www.lawcom.gov.uk/project/{slug}/",
            "modified_gmt": modified, "title": {"rendered": TITLES[slug]}}


def serve_lawcom(server, sw_page: str = "project_search-warrants_2018-consultation.html",
                 sw_modified: str = "2025-03-01T10:00:00") -> str:
    """Projects listed over two REST pages, a news post linking one of them again, `publication` not
    exposed (404); returns the first listing path."""
    server.add(LIST.format(type="project", page=1),
               json.dumps([post(11, "search-warrants", sw_modified), post(12, "corporate-criminal-liability",
                                                                          "2025-02-01T10:00:00")]),
               headers={"X-WP-TotalPages": "2"})
    server.add(LIST.format(type="project", page=2),
               json.dumps([post(13, "product-liability", "2024-12-01T10:00:00")]), headers={"X-WP-TotalPages": "2"})
    news = json.loads((PAGES / "wp_news_page1.json").read_text())
    news[0]["content"]["rendered"] += '<p><a href="/project/corporate-criminal-liability/">Project page</a></p>'
    server.add(LIST.format(type="news", page=1), json.dumps(news), headers={"X-WP-TotalPages": "1"})
    server.add_file(PROJECT_PAGE.format(slug="search-warrants"), PAGES / sw_page, content_type="text/html")
    for slug in ("corporate-criminal-liability", "product-liability"):
        server.add_file(PROJECT_PAGE.format(slug=slug), PAGES / f"project_{slug}.html", content_type="text/html")
    return LIST.format(type="project", page=1)
