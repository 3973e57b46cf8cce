"""Read the Atom feed Datasette serves, so tests compare its entries rather than search its text."""
from __future__ import annotations

from xml.etree import ElementTree

ATOM = "{http://www.w3.org/2005/Atom}"


def atom_entries(text: str) -> list[dict]:
    """Each <entry> of an Atom document as {id, title, links, content}; fails if it is not Atom."""
    root = ElementTree.fromstring(text.encode("utf-8"))
    assert root.tag == f"{ATOM}feed", root.tag
    return [{"id": entry.findtext(f"{ATOM}id"), "title": entry.findtext(f"{ATOM}title"),
             "links": [link.get("href") for link in entry.findall(f"{ATOM}link")],
             "content": entry.findtext(f"{ATOM}content")}
            for entry in root.findall(f"{ATOM}entry")]
