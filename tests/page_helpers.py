"""Reading rendered pages in tests: texts, flash messages, listed cards."""

import html
import re


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(page: str) -> list[str]:
    """The flash messages shown on a page, unescaped."""
    return [html.unescape(m) for m in re.findall(
        r'<div class="alert alert-\w+" role="alert">([^<]*)</div>', page)]


def card_ids(page: str) -> list[int]:
    """The services listed as cards, in page order."""
    return [int(n) for n in re.findall(r'class="stretched-link[^"]*" href="/services/(\d+)"',
                                       page)]
