"""Tests for bot.sources.html_extraction on hand-written news pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sources.html_extraction import ExtractedArticle, extract_article

HTML_DIR = Path(__file__).parent / "data" / "html"
JUNK = (
    "cookie",
    "Share on",
    "Related stories",
    "Ferry timetable",
    "newsletter",
    "Privacy policy",
    "All rights reserved",
    "Sport",
    "Comments",
    "Great news at last",
    "More from Health",
    "Tweet",
    "You might also like",
    "Copy link",
    "Company number",
    "partners store",
)


def load(name: str) -> str:
    """Read a fixture page."""
    return (HTML_DIR / name).read_text(encoding="utf-8")


def assert_no_junk(article: ExtractedArticle) -> None:
    """No navigation, banner, share, related or footer text made it into the body."""
    body = "\n".join(article.paragraphs)
    for junk in JUNK:
        assert junk.lower() not in body.lower(), junk


def test_harbour_bridge_article() -> None:
    url = "https://coastal-ledger.example/news/2024/03/harbour-bridge-closure"
    article = extract_article(load("harbour_bridge.html"), url)
    assert article is not None
    assert article.title == "Harbour bridge to close for six weeks of repairs"
    assert article.published == "2024-03-14T08:30:00+00:00"
    assert article.site == "The Coastal Ledger"
    assert article.url == url
    assert len(article.paragraphs) == 5
    assert article.paragraphs[0].startswith("The Old Harbour Bridge will close")
    assert article.paragraphs[-1].endswith("during the works.")
    assert '"Doing the work now avoids an emergency closure later."' in article.paragraphs[3]
    assert_no_junk(article)


def test_vaccine_article_without_article_tag() -> None:
    article = extract_article(load("vaccine_trial.html"), "https://meridian.example/health/1")
    assert article is not None
    assert article.title == "Malaria vaccine trial shows strong results in children"
    assert article.published == "2023-11-02T17:45:00+00:00"
    assert article.site == "Daily Meridian"
    assert article.paragraphs[0].startswith("A new malaria vaccine cut clinical cases")
    assert article.paragraphs[-1].startswith("Independent experts cautioned")
    # The subheading is not a body paragraph.
    assert "Cheaper to produce" not in article.paragraphs
    assert len(article.paragraphs) == 5
    assert_no_junk(article)


def test_library_article_lists_line_breaks_and_hostname_site() -> None:
    article = extract_article(load("library_reopens.html"), "https://www.townnews.example/l/1")
    assert article is not None
    assert article.title == "Town library reopens after flood damage"
    assert article.published == "2022-07-09"
    # No og:site_name: fall back to the URL's host.
    assert article.site is not None
    assert article.site.endswith("townnews.example")
    # A <br> inside a paragraph does not split it; whitespace is normalized.
    assert (
        "Volunteers spent the winter drying and cataloguing more than 2,000 documents, many of "
        "which have now been scanned so that they can be read online." in article.paragraphs
    )
    assert "flood barriers that can be fitted in under an hour" in article.paragraphs
    assert article.paragraphs[-1].startswith('"It feels like getting a piece of the town back,"')
    assert_no_junk(article)


def test_paragraphs_have_normalized_whitespace() -> None:
    for name in ("harbour_bridge.html", "vaccine_trial.html", "library_reopens.html"):
        article = extract_article(load(name), "https://example.com/a")
        assert article is not None
        for paragraph in article.paragraphs:
            assert paragraph == " ".join(paragraph.split())


def test_section_front_has_no_article() -> None:
    assert (
        extract_article(load("section_front.html"), "https://coastal-ledger.example/world") is None
    )


def test_url_is_optional() -> None:
    article = extract_article(load("harbour_bridge.html"))
    assert article is not None
    assert article.url == "https://coastal-ledger.example/news/2024/03/harbour-bridge-closure"


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "not html at all",
        "<html><body><p>Too short to be an article.</p></body></html>",
        "\x00\x01\x02\xff binary junk",
        "<<<>>><p<<div>></",
    ],
)
def test_no_article_body_returns_none(html: str) -> None:
    assert extract_article(html) is None


def test_malformed_html_never_raises() -> None:
    sentence = "The council approved the new budget after a long debate about road repairs. "
    broken = (
        "<html><head><title>Budget approved<title><meta property='article:published_time' "
        "content='not a date'></head><body><div><article><h1>Budget approved</h2>"
        f"<p>{sentence * 3}<p>{sentence * 2}<div><span>{sentence}</article></td></table>"
        "<script>var x = '</div>';</script><p>trailing &bogus; &#99999999; text"
    )
    article = extract_article(broken, "https://example.com/budget")
    assert article is None or isinstance(article, ExtractedArticle)
    if article is not None:
        assert article.published is None or article.published[:4].isdigit()


def test_declared_xml_encoding_and_json_ld_date() -> None:
    body = "".join(
        f"<p>Paragraph {n} reports that the harbour authority will publish its annual "
        "shipping figures next week, with container traffic expected to rise.</p>"
        for n in range(4)
    )
    html = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Shipping figures due</title>'
        '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
        '"datePublished": "2021-05-06T07:08:09+02:00"}]}</script></head>'
        f"<body><article><h1>Shipping figures due</h1>{body}</article></body></html>"
    )
    article = extract_article(html, "https://port.example/news/1")
    assert article is not None
    assert article.published == "2021-05-06T07:08:09+02:00"
    assert len(article.paragraphs) == 4
