"""An alert's words: the subject, a text part and an HTML part, each change under the watch that matched it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping
from urllib.parse import quote

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from tracker.alerts.run import Alert

KIND_WORDS = {"new": "New", "stage": "Bill stage", "outcome": "Outcome published", "commencement": "Commencement",
              "deadline set": "Deadline set", "deadline moved": "Deadline moved", "closing soon": "Closing soon",
              "withdrawn": "Withdrawn", "status": "Status changed",
              "our ask": "Our ask's outcome"}


def page_of(base_url: str, item_id: str) -> str:
    return f"{base_url.rstrip('/')}/-/dossier/{quote(item_id, safe=':/')}"


def render(alert: "Alert", *, base_url: str, links: Mapping[int, str], every_link: str,
           theme_names: Mapping[str, str]) -> tuple[str, str, str]:
    """(text, html, subject)."""
    count = len(alert.keys)
    first = alert.sections[0][1][0]
    subject = f"SEOC alert: {first.title}" + (f" and {count - 1} more change{'s' if count > 2 else ''}"
                                              if count > 1 else "")
    text = [f"What changed on what you follow ({alert.owner}).", ""]
    html = [f"<p>What changed on what you follow ({escape(alert.owner)}).</p>"]
    for watch, found in alert.sections:
        label = watch.label(theme_names)
        text += [f"Because you follow {label}:"]
        html += [f"<h2>Because you follow {escape(label)}</h2>", "<ul>"]
        for change in found:
            url = page_of(base_url, change.item_id)
            text.append(f"* {KIND_WORDS[change.kind]}: {change.title} ({change.detail})\n  {url}")
            entry = (f'<li>{escape(KIND_WORDS[change.kind])}: <a href="{escape(url)}">{escape(change.title)}</a> '
                     f"({escape(change.detail)})")
            for response in alert.responses.get(change.item_id, []):
                words = (f"Our response: {response['decision']}, {response['status']}"
                         + (f", internal deadline {response['internal_deadline']}"
                            if response["internal_deadline"] else "")
                         + (f" ({response['owner_team']})" if response["owner_team"] else ""))
                text.append(f"  {words}")
                entry += f"<br>{escape(words)}"
            html.append(Markup(entry) + "</li>")
        text += [f"  Stop following {label}: {links[watch.id]}", ""]
        html += ["</ul>", f'<p><a href="{escape(links[watch.id])}">Stop following {escape(label)}</a></p>']
    text += [f"Stop all the alerts in this message: {every_link}",
             f"Your watchlist: {base_url.rstrip('/')}/-/watchlist"]
    html += [f'<p><a href="{escape(every_link)}">Stop all the alerts in this message</a> · '
             f'<a href="{escape(base_url.rstrip("/"))}/-/watchlist">Your watchlist</a></p>']
    body = "\n".join(str(part) for part in html)
    return "\n".join(text) + "\n", f"<!doctype html><html><body>{body}</body></html>\n", subject
