"""Page furniture *inside* paragraphs: the junk bot.nlp.cleaning cannot see because it shares a line
with the story.

Extractors and copy-paste flatten a page, so a newsletter box, a photo gallery or a share bar
ends up glued into the middle of a body paragraph:

    "... Robert Huxley Click to share on WhatsApp (Opens in new window) THE three ..."

bot.nlp.cleaning judges whole lines; this module judges spans and sentences. Each rule names a kind
of furniture by its general shape -- widget vocabulary that comes in runs, a credit followed by a
gallery counter, a caption label and the caption it labels, a "By" byline, a "Published ..."
stamp, a sentence whose subject is the newsroom and whose verb announces the article -- never
by strings copied from one site. Every cut is returned with its reason, so ``storybot clean
--report`` can show what went and why.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.nlp.segmentation import glue_boundary, is_capitalised
from bot.nlp.tokenizer import paragraph_sentences


@dataclass(frozen=True)
class Cut:
    """One piece of furniture removed from the text, and the rule that removed it."""

    text: str
    reason: str


_I = re.IGNORECASE

# Sentence-final punctuation, with closing quotes/brackets that may follow it.
_FINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
# A caption rarely runs longer than this; past it we cannot tell where the caption ends.
MAX_CAPTION_WORDS = 25
# A capitalised name after a lowercase word may be a verb's object ("Trump met President
# Obama for ..."), so that weaker boundary only counts once the caption is this long.
MIN_WORDS_BEFORE_NAME_BOUNDARY = 6

# --------------------------------------------------------------------------------------------
# Widget vocabulary.  Short phrases that only page widgets say.  One weak phrase ("Close",
# "Share") could be prose; furniture is a *run* of them holding at least one strong phrase.

_STRONG_WIDGET = (
    r"(?:get|receive) (?:\w+ ){0,3}(?:updates|news|alerts) (?:\w+ ){0,2}(?:to|in) your inbox"
    r"|sign up (?:to|for) (?:\w+ ){0,3}(?:newsletters?|emails?|alerts)"
    r"|thank you for subscribing!?|could not subscribe,? try again later\.?|invalid e-?mail"
    r"|we will use your e-?mail [^.]{0,80}\.|see our privacy (?:notice|policy)"
    r"|click to share on \w+(?: \(opens in new window\))?|\(opens in new window\)"
    r"|read or share this story:? \S+|share this (?:article|story|video|page|post)"
    r"|share on (?:facebook|twitter|whatsapp|linkedin|pinterest|email)"
    r"|video (?:loading|unavailable)|click to play|tap to play|the video will start in \d+"
    r"|watch this video again|video will play in|ad loading\.*|play slideshow"
    r"|view (?:photos|slideshow|gallery)|scroll down for (?:video|more)"
    r"|enlarge this image|toggle caption|hide caption"
)
_WEAK_WIDGET = (
    r"\+ ?subscribe|subscribe|share this:?|share|embed|close|cancel|play now|play|back|continue"
    r"|next|previous|x|facebook|twitter|google\+?|whatsapp|e-?mail|copy(?: link)?|print|ad"
    r"|\d{1,3} of \d{1,3}|up next|watch next|skip ad|autoplay|full screen|advertisement"
    r"|ad feedback"
)
_WIDGET_RUN = re.compile(
    rf"(?<![\w'’])(?:(?:{_STRONG_WIDGET}|{_WEAK_WIDGET})(?![\w'’])[\s.,:;!|+-]*)+", _I
)
_STRONG_ONLY = re.compile(rf"(?:{_STRONG_WIDGET})", _I)
# "Follow Jane Doe on Twitter: @jane" -- a follow prompt names a person and a handle.
_FOLLOW = re.compile(
    r"\bfollow (?:[A-Z][\w'’.-]* ){1,3}on (?:twitter|facebook|instagram|x)\b\s*:?\s*@?\w*", _I
)

# --------------------------------------------------------------------------------------------
# Credits and captions.

# Photo agencies and the platforms pictures are taken from: a credit names one of these.
_AGENCY = (
    r"(?:getty(?: images)?(?: for \w+)?|reuters|ap|afp|epa(?:-efe)?|pa(?: wire| media)?"
    r"|rex(?: features)?|shutterstock|alamy|bloomberg|splash news|swns|handout|afp/getty"
    r"|associated press|press association|ap photo|pa images|nurphoto|anadolu|xinhua"
    r"|twitter|instagram|facebook|youtube|google|bbc|itv|sky news)"
)
# "AP:Associated Press", "PA:Press Association": a code and the agency's full name.
_CODED_AGENCY = r"(?:[A-Z]{2,4}:[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2})"
# "Carl Court/Getty Images", "Twitter/@someone": a photographer or account, then the agency.
_SLASHED = r"(?:[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2}/(?:@\w+|[A-Z][\w'’.-]*(?: Images)?))"
_BARE_AGENCY = re.compile(r"Getty|Reuters|AP|AFP|EPA|PA|Rex|Shutterstock|Alamy|REUTERS|GETTY")
_CREDIT = rf"(?:{_CODED_AGENCY}|{_SLASHED}|(?i:{_AGENCY})(?![\w'’]))"
# A gallery counter after a credit: "Getty Images 5", "Reuters 15/19", "EPA 3 of 12".
_GALLERY_CREDIT = re.compile(
    rf"(?<![\w'’]){_CREDIT}\s+(?P<n>\d{{1,3}})(?:\s*(?:/|of)\s*(?P<m>\d{{1,3}}))?(?![\w/])"
)
# A bare "N/M" counter right after a caption-ending credit is the next gallery item.
_COUNTER = re.compile(r"(?<![\w/])(?P<n>\d{1,3})/(?P<m>\d{1,3})(?![\w/])")
# A credit opening a sentence, its caption after it: "... assault. Getty Images The consulate
# building suffered ...".  Only credits that cannot be a sentence's subject ("Reuters said").
_LEADING_CREDIT = re.compile(
    rf"(?:^|(?<=[.!?\"”] ))(?:Getty Images|{_CODED_AGENCY}"
    rf"|[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){{0,2}}/(?:(?i:{_AGENCY})|The(?: [A-Z]\w+){{1,2}}))"
    r"\s+(?=[A-Z\"“])"
)
# "(Photo: Getty Images)", "(Picture: Reuters)", "Photo: AP", "(AP Photo/Evan Vucci)".
_PHOTO_CREDIT = re.compile(
    r"\((?:photo|picture|image|pic|credit|photograph)s?\s*(?::|by)\s*[^()]{1,60}\)"
    r"|\((?:ap|afp|reuters) photo[^()]{0,60}\)"
    r"|(?<![\w'’])(?:photo|picture|pic)s?:\s*"
    rf"(?:{_CREDIT}|[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){{0,2}})(?:\s*[/,]\s*{_CREDIT})?",
    _I,
)
# "Image copyright Reuters" or "Image source, Getty Images" -- a label, then a credit of a few
# capitalised words, up to the caption label that follows it.
_CREDIT_LABEL = re.compile(
    r"(?<![\w'’])(?:image|picture|photo) (?:copyright|source|credit),?\s+"
    r"(?:[A-Z@][\w'’.&/@-]*\s+){0,5}?(?=(?:image|picture|photo|media|video) caption)",
    _I,
)
# "Image caption", "Media caption" -- the caption follows the label.
_CAPTION_LABEL = re.compile(
    r"(?<![\w'’])(?:image|picture|photo|media|video) caption,?\s+(?=\S)", _I
)

# --------------------------------------------------------------------------------------------
# Bylines, stamps and standfirsts.

_NAME = r"[A-Z][a-z'’-]+(?:\s+(?:[A-Z]\.|[A-Z][a-z'’-]+)){0,3}"
# "By Alana Wise and Mark Hosenball", "By . Daily Mail Reporter ." at the start of a paragraph.
_BYLINE = re.compile(
    rf"^(?:by|By|BY)\s+(?:\.\s+)?{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*"
    r"(?:\s*(?:,|\||-|for)\s*(?:the\s+)?[A-Z][\w'’.]*(?:\s+[A-Z][\w'’.]*){0,3})?"
    r"(?:\s+\.(?=\s|$))?"
    # The story follows (a capitalised word, a quote, a bracket) or nothing does; backtracking
    # gives "By Jane Okafor" back when the name seemed to run on into "The council ...".
    r"(?:\s+(?=[A-Z\"“(])|\s*$)"
)
_INNER_BYLINE = re.compile(
    rf"(?<=[\w'’] )By\s+{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*\s+(?=[A-Z]{{3,}}\b[ ,])"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_ZONE = r"(?:gmt|utc|bst|cet|cest|e[sd]t|c[sd]t|m[sd]t|p[sd]t|et|pt|ist|msk|hkt|aest|aedt)"
_DATE_PIECE = (
    rf"(?:\d{{1,4}}(?:[:./-]\d{{1,4}}){{0,2}}(?:st|nd|rd|th)?|{_MONTH}|{_DAY}|{_ZONE}|[ap]\.?m\.?)"
)
# "Published 12 March 2024", "PUBLISHED: 12:09 GMT, 9 November 2016 | UPDATED: 14:20 GMT, ...".
# The label keeps its case: a stamp is printed "Published"/"UPDATED", while "figures published
# on 12 March" is a sentence about publishing.
_STAMP = re.compile(
    r"(?<![\w'’])(?-i:Published|PUBLISHED|Updated|UPDATED|Last (?:updated|modified)"
    r"|LAST (?:UPDATED|MODIFIED)|Posted|POSTED|First published|FIRST PUBLISHED)"
    rf"\s*:?\s*(?:on\s+|at\s+)?{_DATE_PIECE}(?:[\s,|()]+{_DATE_PIECE}){{1,8}}"
    rf"(?:\s*\|\s*(?:updated|last updated)\s*:?\s*{_DATE_PIECE}(?:[\s,|()]+{_DATE_PIECE}){{0,8}})?",
    _I,
)
# A stamp must hold a real date or time, not only "Updated 3".
_REAL_DATE = re.compile(rf"\d{{1,2}}[:.]\d{{2}}|\b(?:19|20)\d{{2}}\b|{_MONTH}\b", _I)
# Newsroom words: the subject of a standfirst is the publication or its staff.
_NEWSROOM = (
    r"(?i:news|sport|sports|online|pictures|photos|magazine|times|post|today|daily|weekly"
    r"|insider|guardian|independent|telegraph|express|mirror|standard|journal|herald|tribune"
    r"|reporter|correspondent|editor|desk|staff|radio|tv)"
)
# "BBC Sport examines ...", "Express Pictures looks at ...", "Here we look at ...",
# "In this article, we explain ...": the article announcing itself.
_STANDFIRST = re.compile(
    rf"^(?:(?:[A-Z][\w'’.&-]*\s+){{0,3}}{_NEWSROOM}(?:'s|’s)?(?:\s+[A-Z][\w'’.-]*){{0,3}}"
    r"|[A-Z]{2,5}(?:'s|’s)(?:\s+[A-Z][\w'’.-]*){1,3}"
    r"|(?i:here,?\s+we|in this (?:article|piece|video|guide|report),?\s+we"
    r"|this (?:article|piece|guide|report|video|explainer)))\s+"
    r"(?:examines?|looks? (?:at|back at|ahead to)|takes? a (?:closer )?look at|explains?"
    r"|assess(?:es)?|analy[sz]es?|explores?|profiles?|reflects? on|rounds? up|picks? out"
    r"|runs? through)\b"
)
# "Read more" closing a link's headline that was glued into the text (Guardian style).
_READ_MORE_LINK = re.compile(r"(?<![\w'’])read more$", _I)
_READ_MORE = re.compile(r"(?<![\w'’])(?:Read more|READ MORE)(?![\w'’])")
_LINK_WORDS = 30  # a linked headline is short


# --------------------------------------------------------------------------------------------
# Where a caption ends


_TOKEN = re.compile(r"\S+")


def caption_end(text: str, start: int, limit: int = MAX_CAPTION_WORDS) -> int | None:
    """Where a caption starting at ``start`` ends: after its final punctuation, or at the glue
    boundary with the next sentence; None when no end shows within ``limit`` words."""
    # Only the next few words matter; reading no further keeps many captions linear.
    matches = list(itertools.islice(_TOKEN.finditer(text, start), limit + 3))
    tokens = [match.group() for match in matches]
    for i, match in enumerate(matches[:limit]):
        word = match.group()
        # A full stop ends the caption, unless it is an initial ("J.") or stray dots.
        if _FINAL.search(word) and not re.fullmatch(r"\w\.|[.…]+", word):
            return match.end()
        if i + 1 < len(tokens) and i >= 1:
            if _GALLERY_CREDIT.match(text, matches[i + 1].start()):
                return match.end()
            # A bare agency name closes a caption ("... power lines AFP Schools stay shut").
            if _BARE_AGENCY.fullmatch(word) and is_capitalised(tokens[i + 1]):
                return match.end()
            if glue_boundary(tokens, i + 1, names=i + 1 >= MIN_WORDS_BEFORE_NAME_BOUNDARY):
                return match.end()
    if len(tokens) <= limit:
        return matches[-1].end() if matches else start  # it runs to the paragraph's end
    return None


# --------------------------------------------------------------------------------------------
# Span rules: (start, end, reason) of furniture inside one paragraph


def _widget_spans(text: str) -> Iterable[tuple[int, int, str]]:
    for match in _WIDGET_RUN.finditer(text):
        found = match.group()
        strong = _STRONG_ONLY.findall(found)
        weak_words = len(found.split())
        # One strong phrase, or a run of several widget words ("Skip Ad x Embed x Share").
        if strong or (weak_words >= 4 and _looks_like_widget_run(found)):
            reason = "newsletter" if re.search(r"subscri|inbox|newsletter", found, _I) else "widget"
            if re.search(r"share|follow", found, _I) and reason == "widget":
                reason = "share-prompt"
            yield match.start(), match.end(), reason
    for match in _FOLLOW.finditer(text):
        yield match.start(), match.end(), "share-prompt"


def _looks_like_widget_run(found: str) -> bool:
    """Four or more weak widget words in a row, with no lowercase prose word among them."""
    tokens = [t.strip(".,:;!|+-") for t in found.split()]
    return sum(1 for t in tokens if t and (t[0].isupper() or t in ("x", "+"))) >= 3


def _credit_caption_spans(text: str) -> Iterable[tuple[int, int, str]]:
    # "Image copyright X Image caption <caption>" and "Media caption <caption>".
    for match in _CREDIT_LABEL.finditer(text):
        yield match.start(), match.end(), "photo-credit"
    for match in _CAPTION_LABEL.finditer(text):
        end = caption_end(text, match.end())
        yield match.start(), end if end is not None else match.end(), "caption"
    # Gallery items: "Getty Images 5 <caption>", "Reuters 15/19 <caption>".
    credits = list(_GALLERY_CREDIT.finditer(text))
    counts = Counter(match.group("n") for match in credits)
    for match in credits:
        n, m = int(match.group("n")), match.group("m")
        if m is not None and not 1 <= n <= int(m):
            continue
        if m is None and not _is_gallery(text, match, counts):
            continue
        end = caption_end(text, match.end())
        yield match.start(), end if end is not None else match.end(), "gallery-caption"
    yield from _gallery_blocks(text)
    for match in _LEADING_CREDIT.finditer(text):
        end = caption_end(text, match.end())
        yield match.start(), end if end is not None else match.end(), "photo-credit"
    for match in _PHOTO_CREDIT.finditer(text):
        yield match.start(), match.end(), "photo-credit"


def _is_gallery(text: str, match: re.Match[str], counts: Counter[str]) -> bool:
    """A credit with a bare number is a gallery item when another one with the same count is
    in the text ("Getty Images 5 ... Getty Images 5") or a capitalised caption follows it."""
    if counts[match.group("n")] >= 2:
        return True
    rest = text[match.end() : match.end() + 40].lstrip()
    # "Reuters 3 of the ..." is prose; "Getty Images 5 Felipe Massa waves" is a caption.
    return bool(rest) and rest[0].isupper() and not re.match(r"(?:of|per|to)\b", rest, _I)


# "UK news in pictures 19 show all UK news in pictures": the header of a flattened gallery.
_SHOW_ALL = re.compile(r"\b\d{1,3} show all\b", _I)


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*\s")
_LOOK_BACK = 400  # characters: a headline or gallery header is never longer


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts: after the last sentence end before it
    (looking back a bounded window, so many matches stay linear), else the paragraph start."""
    window_start = max(0, position - _LOOK_BACK)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, window_start, position)]
    if ends:
        return ends[-1]
    return window_start if window_start else 0


def _gallery_blocks(text: str) -> Iterable[tuple[int, int, str]]:
    """A flattened photo gallery: counters 1/M, 2/M ... in order, each before its caption.

    The whole run, from its "N show all" header to the end of the last caption, is furniture.
    """
    by_total: dict[int, list[re.Match[str]]] = {}
    for match in _COUNTER.finditer(text):
        n, m = int(match.group("n")), int(match.group("m"))
        if 1 <= n <= m and m >= 2:
            by_total.setdefault(m, []).append(match)
    for counters in by_total.values():
        # Keep the counters that continue a run (n follows the previous n by one).
        run = [counters[0]]
        for match in counters[1:]:
            if int(match.group("n")) == int(run[-1].group("n")) + 1:
                run.append(match)
        if len(run) < 2:
            continue
        start = run[0].start()
        headers = list(_SHOW_ALL.finditer(text, max(0, start - 120), start))
        if headers:
            header = headers[-1]
            start = _sentence_start(text, header.start())
        end = caption_end(text, run[-1].end())
        yield start, end if end is not None else run[-1].end(), "gallery"


def _stamp_spans(text: str) -> Iterable[tuple[int, int, str]]:
    for match in _STAMP.finditer(text):
        if _REAL_DATE.search(match.group()):
            yield match.start(), match.end(), "timestamp"


def _byline_spans(text: str) -> Iterable[tuple[int, int, str]]:
    match = _BYLINE.match(text)
    # "By Tuesday the river had risen" is prose: the regex wants a capital after the name, and
    # a weekday or month is never a byline.
    weekday = re.match(rf"by\s+(?:{_DAY}|{_MONTH})\b", text, _I)
    if match is not None and len(match.group().split()) <= 12 and not weekday:
        yield 0, match.end(), "byline"
    # Inside a paragraph a byline sits between the repeated headline and a wire dateline in
    # capitals: "Storm closes schools By Ann Lee and Bo Li LONDON, May 3 (Reuters) - ...".
    for inner in _INNER_BYLINE.finditer(text):
        start = _sentence_start(text, inner.start())
        headline = text[start : inner.start()]
        if len(headline.split()) <= 20 and not _FINAL.search(headline.rstrip()):
            yield start, inner.end(), "byline"
        else:
            yield inner.start(), inner.end(), "byline"


def _read_more_spans(text: str) -> Iterable[tuple[int, int, str]]:
    """A linked headline and its "Read more", glued between two sentences."""
    for match in _READ_MORE.finditer(text):
        # The headline starts after the last sentence end (or the paragraph start).
        start = _sentence_start(text, match.start())
        if len(text[start : match.start()].split()) <= _LINK_WORDS:
            yield start, match.end(), "related-link"


_SPAN_RULES = (_widget_spans, _credit_caption_spans, _stamp_spans, _byline_spans, _read_more_spans)


def _merge(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping or touching spans become one, keeping the first span's reason."""
    merged: list[tuple[int, int, str]] = []
    for start, end, reason in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1] + 1:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, reason))
    return merged


# --------------------------------------------------------------------------------------------
# Sentence rules


def sentence_reason(sentence: str) -> str | None:
    """Why a whole sentence is furniture, or None for a news sentence."""
    n_words = len(sentence.split())
    if n_words <= 30 and _STANDFIRST.match(sentence):
        return "standfirst"
    if n_words <= 25 and _READ_MORE_LINK.search(sentence.rstrip(" .")):
        return "related-link"
    return None


# --------------------------------------------------------------------------------------------
# Public API


def cut_paragraph(paragraph: str) -> tuple[list[str], list[Cut]]:
    """The paragraph with its furniture cut out, and the cuts made.

    A cut splits the paragraph: the text on either side becomes its own paragraph. So no
    fragment a caption leaves behind ("... at the scene on Monday") glues onto the sentence
    after it, and every kept paragraph is a stretch of the input as it was written.
    """
    cuts: list[Cut] = []
    spans = _merge(span for rule in _SPAN_RULES for span in rule(paragraph))
    pieces: list[str] = []
    position = 0
    for start, end, reason in spans:
        pieces.append(paragraph[position:start])
        cuts.append(Cut(paragraph[start:end].strip(), reason))
        position = end
    pieces.append(paragraph[position:])
    kept: list[str] = []
    for piece in pieces:
        piece = " ".join(piece.split())
        if not piece.strip(" .,;:|-–—"):
            continue
        sentences = paragraph_sentences(piece)
        reasons = [sentence_reason(s) for s in sentences]
        if not any(reasons):
            kept.append(piece)
            continue
        cuts += [Cut(s, r) for s, r in zip(sentences, reasons, strict=True) if r]
        # The sentences between two cut ones stay together, as they were written.
        run: list[str] = []
        for sentence, reason in zip(sentences, reasons, strict=True):
            if reason is None:
                run.append(sentence)
            elif run:
                kept.append(" ".join(run))
                run = []
        if run:
            kept.append(" ".join(run))
    return kept, cuts


def strip_furniture(paragraphs: Sequence[str]) -> tuple[list[str], list[Cut]]:
    """Paragraphs without their inline furniture, and every cut with its reason."""
    kept: list[str] = []
    cuts: list[Cut] = []
    for paragraph in paragraphs:
        pieces, found = cut_paragraph(paragraph)
        kept += pieces
        cuts += found
    return kept, cuts
