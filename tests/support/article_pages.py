"""An article as a news site serves it: navigation, a dated headline, paragraphs and footer
furniture around them, for the tests that fetch, upload or clean a page."""

from __future__ import annotations

from tests.support.stories import article

ARTICLE_HTML = """<!doctype html><html><head><title>Harbour bridge approved | City News</title>
<meta property="og:site_name" content="City News">
<meta property="article:published_time" content="2024-03-04T09:30:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Harbour bridge approved</h1>{paragraphs}</article>
<footer>© City News. All rights reserved. Sign up for our newsletter.</footer></body></html>"""


def page(topic: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in article(topic).split("\n\n"))
    return ARTICLE_HTML.format(paragraphs=paragraphs)
