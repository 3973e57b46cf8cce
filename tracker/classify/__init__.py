"""Relevance and themes: the priorities file (priorities), phrase rules (rules), tags written with evidence
(tagging), reform links (linking) and measurement against labelled data (evaluate)."""
