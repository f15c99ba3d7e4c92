"""Clean text pasted from a news web page: keep the body paragraphs, drop the page junk.

Every line is judged on general features -- length, end punctuation, capitalisation, credit
and boilerplate patterns, and its neighbours -- never on strings taken from a particular site.
Explicit patterns (timestamps, credits, "Read more:", tag lines ...) drop a line outright; the
remaining lines get a small additive junk score, so one weak signal alone never drops prose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.nlp.furniture import Cut, strip_furniture
from bot.nlp.source_tags import strip_source_tag
from bot.nlp.titles import cut_title
from bot.nlp.tokenizer import split_sentences, words

# --------------------------------------------------------------------------------------------
# Whitespace


def _normalization_table() -> dict[int, str | None]:
    """Translation table: control characters become spaces, invisible format marks vanish."""
    table: dict[int, str | None] = {cp: " " for cp in range(0x20)}
    table.update({cp: " " for cp in range(0x7F, 0xA0)})
    # Zero-width spaces, word joiner, BOM, soft hyphen and bidi marks are invisible junk from
    # copy-paste.  ZWNJ/ZWJ (U+200C/D) are kept: Persian, Indic scripts and emoji need them.
    invisible = [0x200B, 0x2060, 0xFEFF, 0x00AD, 0x200E, 0x200F, 0x061C]
    invisible += list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A))
    table.update({cp: None for cp in invisible})
    return table


_TABLE = _normalization_table()


def normalize_whitespace(text: str) -> str:
    """One line: control chars to spaces, invisible marks removed, whitespace collapsed."""
    # str.split() with no argument splits on every Unicode space (NBSP, thin space, U+3000 ...).
    return " ".join(text.translate(_TABLE).split())


# --------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True)
class CleanedText:
    """The outcome of cleaning one pasted text."""

    title: str | None
    paragraphs: list[str]
    published_hint: str | None = None
    dropped: list[str] = field(default_factory=list)
    # Everything removed, whole lines and pieces cut from inside paragraphs, with the reason:
    # what ``storybot clean --report`` prints.
    cuts: list[Cut] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)


# --------------------------------------------------------------------------------------------
# Patterns.  All are simple (no nested quantifiers) so they stay linear on huge lines.

_I = re.IGNORECASE

# Characters that end a sentence, in the scripts we are likely to see.
_END_CHARS = ".!?…:;。！？؟।"
# Closing quotes/brackets that may follow the end punctuation: `... space".` or `... (AP).)`.
_CLOSERS = "\"'”’»)]›」』*_"

# Lines that start like page furniture: "READ MORE: ...", "Related:", "Sign up for ...".
_PREFIX_JUNK = re.compile(
    r"(?:read more\b|(?:read|see|watch|listen|more|related|also read|see also)\s*[:|>»]"
    r"|related (?:stories|articles|content|coverage|links|topics|news)\s*[:|>»]"
    r"|(?:image|picture|photo|video|media) (?:caption|copyright|source|credit)\b"
    r"|media playback is (?:unsupported|not supported)"
    r"|sign up\b|subscribe\b|(?:follow|like|join) us\b|click here\b"
    r"|get (?:the latest|our \w+ newsletter|breaking news)\b"
    r"|share (?:this|on|via|the|article|story|page)\b"
    r"|(?:additional )?(?:reporting|writing|editing|research) by\b"
    r"|(?:copyright|©)\s*(?:\d{4}|©|\(c\))|all rights reserved"
    r"|our standards\b|the thomson reuters trust principles"
    r"|(?:download|get) (?:the|our) (?:free )?(?:\w+ )?app\b"
    r"|we use cookies|this (?:site|website) uses cookies|(?:accept|manage) (?:all )?cookies"
    r"|skip to (?:main )?content|back to top|jump to\b"
    r"|(?:tags|topics|tagged|keywords|filed under)\s*:)",
    _I,
)

# Headers that introduce a list of links ("Related stories", "Most read" ...).
_LIST_HEADER = re.compile(
    r"(?:read more|related(?: (?:stor(?:y|ies)|articles?|content|coverage|links?|topics?|news))?"
    r"|more (?:on this|from|stories|news)\b.*|most (?:read|popular|viewed|shared|watched)"
    r"|top stories|you (?:may|might) also like|recommended(?: for you)?|trending(?: now)?"
    r"|don'?t miss|editor'?s picks|latest (?:news|stories)|see also|further reading"
    r"|topics?|tags|explore more\b.*)"
    r"\s*:?$",
    _I,
)

# Words that, in a short line, mark it as navigation or widgets rather than prose.
_SHORT_JUNK = re.compile(
    r"\b(?:newsletters?|cookies?|advertisements?|advertising|sponsored|promoted|comments"
    r"|discussion|community standards|listen live|get short url|all rights reserved"
    r"|subscribe|sign (?:up|in)|log ?in|log out|click here|follow us|privacy policy"
    r"|terms of (?:use|service)|contact us|about us|copy link|min read|live updates?"
    r"|watch live|skip ad|ad feedback|(?:paid|sponsored|promoted|partner) content"
    r"|share (?:this|on|via|article|story|page)|(?:this|the|full|main) (?:article|story|page)"
    r"|caption|loading|supported by|open in (?:the )?app|unlimited access|inbox"
    r"|join the conversation|report an? (?:error|typo|correction)|these topics"
    r"|reuse this content|story continues|continue reading)\b",
    _I,
)
# Single widget words: only a line of at most three words made of them is a widget.
_NAV_WORDS = re.compile(
    r"\b(?:share|facebook|twitter|whatsapp|linkedin|pinterest|reddit|telegram|messenger"
    r"|e-?mail|print|close|menu|home|search|register|comment|save|copy|next|previous|more)\b",
    _I,
)

# Photo credits: "© REUTERS / ...", "Photo: AFP", "(AP Photo/Evan Vucci)", "Getty Images".
_CREDIT = re.compile(
    r"^©|^\(c\) |^(?:photo(?:graph)?|picture|image|credit|source)s?\s*(?::|by\b|credit\b)"
    r"|\bgetty\b|/\s*(?:ap|reuters|afp|getty|epa|pa)$|\bap photo\b|\breuters\s*/"
    r"|\bafp\s*(?:/|via\b)|\bshutterstock\b|\bepa(?:-efe)?\s*/|\bpa (?:wire|media)\b"
    r"|\bimage copyright\b|\bimage source\b",
    _I,
)
# A credit tucked in brackets at the end of a caption: "... on Monday. (AP Photo/Evan Vucci)".
_TRAILING_CREDIT = re.compile(
    r"[(\[][^()\[\]]{0,80}?\b(?:photo|getty|reuters|afp|ap|epa|shutterstock|credit)\b"
    r"[^()\[\]]{0,80}[)\]]$",
    _I,
)

# A caption label with the caption itself on the next line ("Image caption,").
_CAPTION_LABEL = re.compile(r"(?:image|media|video|photo|picture) caption\W*$", _I)
_CREDIT_LABEL = re.compile(r"image (?:copyright|source)\b", _I)
# End-of-story credits: "CNN's Alex Kim contributed to this report."
_CONTRIBUTED = re.compile(r"\bcontributed (?:reporting )?to this (?:report|story|article)\W*$", _I)

# Bylines: "By Jane Smith", "By Jane Smith and John Doe, BBC News".
_BYLINE = re.compile(r"[Bb][Yy]\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)?\b")

# Timestamp vocabulary: a line made only of these (plus a real date/time) is a dateline.
_MONTHS = (
    "jan january feb february mar march apr april may jun june jul july aug august sep sept "
    "september oct october nov november dec december"
)
_DAYS = "mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday sat "
_DAYS += "saturday sun sunday today yesterday"
_ZONES = "gmt utc bst cet cest est edt cst cdt mst mdt pst pdt et pt ist msk jst aest aedt hkt sgt"
_FILLER = "published updated posted last modified on at am pm a m p ago hour hours minute "
_FILLER += "minutes min mins second seconds day days week weeks st nd rd th of created first"
_DATE_WORDS = frozenset((_MONTHS + " " + _DAYS + " " + _ZONES + " " + _FILLER).split())
_STRONG_DATE = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b(?:19|20)\d{2}\b|\bago\b|\b\d{1,4}[-/]\d{1,2}[-/]\d{1,4}\b|\b(?:"
    + "|".join(_MONTHS.split())
    + r")\b",
    _I,
)
_DATE_TOKEN = re.compile(r"[^\W\d_]+|\d+")

# Leading list bullets and markdown heading marks, stripped before classification.
_BULLET = re.compile(r"(?:[-*•·▪►‣◦+]\s+)+")
_HEADING = re.compile(r"#{1,6}\s+")

# Short function words ignored when measuring how title-cased a line is.
_SMALL = "a an and as at but by for from in into nor of off on onto or out over per the to up "
_SMALL_WORDS = frozenset((_SMALL + "upon via vs with de la le du von van").split())

_MAX_PATTERN_CHARS = 2000  # longer lines are always prose; skip pattern checks on them
_JUNK_THRESHOLD = 3.0

# --------------------------------------------------------------------------------------------
# Line features


@dataclass
class _Line:
    """One non-blank input line with the features the classifier uses."""

    text: str  # whitespace-normalized, bullet/heading marks stripped
    blank_before: bool  # a blank line separates it from the previous non-blank line
    heading: bool  # written as a markdown heading ("# Title")
    bullet: bool  # written as a list item
    n_words: int
    terminal: bool  # ends with sentence-final punctuation
    title_ratio: float  # share of content words that are capitalised
    content_words: int
    reason: str | None = None  # why the line is junk, once decided
    score: float = 0.0


def _ends_sentence(text: str) -> bool:
    """True when the line ends with sentence-final punctuation (ignoring closing quotes)."""
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in _END_CHARS


def _title_case_ratio(tokens: list[str]) -> tuple[float, int]:
    """Share of capitalised content words, and how many content words there are."""
    content = [t for t in tokens if t[0].isalpha() and t.lower() not in _SMALL_WORDS]
    if not content:
        return 0.0, 0
    return sum(t[0].isupper() for t in content) / len(content), len(content)


def _make_line(raw: str, blank_before: bool) -> _Line | None:
    """Normalize one raw line and measure it; None for blank lines."""
    text = normalize_whitespace(raw)
    heading = bullet = False
    if match := _HEADING.match(text):
        heading = True
        text = text[match.end() :].rstrip("# ")
    elif match := _BULLET.match(text):
        bullet = True
        text = text[match.end() :]
    if not text:  # the line was only markup ("# #"): keep it verbatim rather than blank
        text = normalize_whitespace(raw)
        heading = bullet = False
    if not text:
        return None
    tokens = words(text)
    ratio, content = _title_case_ratio(tokens)
    return _Line(
        text=text,
        blank_before=blank_before,
        heading=heading,
        bullet=bullet,
        n_words=len(tokens),
        terminal=_ends_sentence(text),
        title_ratio=ratio,
        content_words=content,
    )


def _split_lines(raw: str) -> list[_Line]:
    """Non-blank lines of the input, remembering where blank lines were."""
    lines: list[_Line] = []
    blank = False
    for piece in raw.splitlines():  # handles \r\n, \r, \u2028 and friends
        line = _make_line(piece, blank_before=blank and bool(lines))
        if line is None:
            blank = True
            continue
        lines.append(line)
        blank = False
    return lines


# --------------------------------------------------------------------------------------------
# Explicit patterns


def _is_timestamp(line: _Line) -> bool:
    """A short line made only of date/time words, with at least one real date or time."""
    if line.n_words > 14 or len(line.text) > 200 or not _STRONG_DATE.search(line.text):
        return False
    tokens = _DATE_TOKEN.findall(line.text)
    other = [t for t in tokens if not t.isdigit() and t.lower() not in _DATE_WORDS]
    return len(other) <= len(tokens) // 4


def _is_credit(line: _Line) -> bool:
    """A photo credit line, or a caption that ends in a bracketed credit."""
    # A sentence that merely mentions "Getty" or Reuters is not a credit.
    sentence = line.terminal and line.n_words > 4 and not line.text.startswith("©")
    if line.n_words <= 15 and not sentence and _CREDIT.search(line.text):
        return True
    return line.n_words <= 60 and bool(_TRAILING_CREDIT.search(line.text))


def _is_byline(line: _Line) -> bool:
    """'By Jane Smith, BBC News' -- short, no sentence end, a capitalised name after 'By'."""
    return line.n_words <= 10 and not line.terminal and bool(_BYLINE.match(line.text))


def _split_items(text: str) -> list[str]:
    """Items of a comma- or pipe-separated list line."""
    separator = "," if text.count(",") >= text.count("|") else "|"
    return [item.strip() for item in text.split(separator)]


def _is_tag_line(line: _Line) -> bool:
    """Comma/pipe-separated short keywords with no sentence end: a tag line or a nav bar."""
    if line.terminal or line.n_words > 80 or line.n_words < 4:
        return False
    if "," not in line.text and "|" not in line.text:
        return False
    items = _split_items(line.text)
    if len(items) < 4 or any(not item for item in items):
        return False
    # A prose list ends "..., and Portugal"; a tag line never does.
    if re.match(r"(?:and|or|but)\b", items[-1], _I):
        return False
    counts = [len(words(item)) for item in items]
    return max(counts) <= 8 and sum(counts) / len(counts) <= 4


def _is_boilerplate(line: _Line) -> bool:
    """Known page furniture phrases: as a line prefix, or anywhere in a short nav line."""
    if _PREFIX_JUNK.match(line.text) and line.n_words <= 40:
        return True
    if line.n_words <= 20 and _CONTRIBUTED.search(line.text):
        return True
    if line.n_words <= 3 and _NAV_WORDS.search(line.text):
        return True
    short_nav = line.n_words <= 8 and (not line.terminal or line.n_words <= 3)
    return short_nav and bool(_SHORT_JUNK.search(line.text))


def _explicit_reason(line: _Line) -> str | None:
    """The name of the first explicit junk pattern the line matches, if any."""
    if len(line.text) > _MAX_PATTERN_CHARS or line.heading:
        return None
    checks = (
        ("timestamp", _is_timestamp),
        ("credit", _is_credit),
        ("boilerplate", _is_boilerplate),
        ("byline", _is_byline),
        ("tags", _is_tag_line),
    )
    for name, check in checks:
        if check(line):
            return name
    if line.n_words <= 8 and _LIST_HEADER.match(line.text):
        return "list-header"
    return None


# --------------------------------------------------------------------------------------------
# Context rules


def _adjacent(lines: list[_Line], i: int) -> bool:
    """True when line i directly follows line i-1 with no blank line between."""
    return i > 0 and not lines[i].blank_before


def _is_headline_like(line: _Line) -> bool:
    """Short, title-cased, no sentence end: how link texts and headlines look."""
    return (
        not line.terminal
        and not line.heading
        and 1 <= line.n_words <= 20
        and line.content_words >= 1
        and line.title_ratio >= 0.6
    )


def _mark_captions(lines: list[_Line]) -> None:
    """Photo captions: the line right above a credit, or right below an 'Image caption' label."""
    for i in range(len(lines) - 1):
        line, below = lines[i], lines[i + 1]
        if not _adjacent(lines, i + 1) or line.reason == "caption":
            continue
        if below.reason is None and _CAPTION_LABEL.match(line.text) and _caption_sized(below):
            below.reason = "caption"
        elif (
            line.reason is None
            and below.reason == "credit"
            # "Image copyright X" labels the picture *below* it, so says nothing about this line.
            and not _CREDIT_LABEL.match(below.text)
            and _caption_sized(line)
        ):
            line.reason = "caption"


def _caption_sized(line: _Line) -> bool:
    """A phrase without a sentence end, or one short sentence set apart from the text above."""
    if not line.terminal:
        return line.n_words <= 60
    # In a paste with single newlines between paragraphs a short body paragraph can sit right
    # above a credit; only a sentence with a blank line above it is surely a caption.
    return line.n_words <= 15 and line.blank_before


def _mark_listed_links(lines: list[_Line]) -> None:
    """Lines after a 'Related stories' style header, until the first real sentence."""
    in_list = False
    for line in lines:
        if line.reason == "list-header":
            in_list = True
        elif in_list and line.reason is None and not line.terminal and line.n_words <= 20:
            line.reason = "related-link"
        elif line.reason is None:
            in_list = False


def _is_link_like(lines: list[_Line], i: int) -> bool:
    """Could be one entry of a link list: a headline, or a short unfinished line not continued."""
    line = lines[i]
    if _is_headline_like(line):
        return True
    if line.terminal or line.heading or line.bullet or not 2 <= line.n_words <= 20:
        return False
    # Hard-wrapped prose breaks mid-sentence and carries on in lowercase; link lists do not.
    return not (line.text[0].islower() or line.text.endswith(",") or _continued(lines, i))


def _mark_link_blocks(lines: list[_Line], title: int | None) -> None:
    """Runs of >= 2 adjacent link-like lines are link lists ('More stories' blocks)."""

    def linkish(j: int) -> bool:
        return j != title and (lines[j].reason is not None or _is_link_like(lines, j))

    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and linkish(end) and (end == start or _adjacent(lines, end)):
            end += 1
        fresh = [j for j in range(start, end) if lines[j].reason is None]
        if end - start >= 2 and fresh:
            for j in fresh:
                lines[j].reason = "link-list"
        start = max(end, start + 1)


def _continued(lines: list[_Line], i: int) -> bool:
    """True when the next line directly below starts in lowercase, continuing this one."""
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    return nxt is not None and _adjacent(lines, i + 1) and nxt.text[0].islower()


def _is_body_like(lines: list[_Line], i: int) -> bool:
    """Unmistakable prose: a full sentence of some length, a long line, or hard-wrapped text."""
    line = lines[i]
    if line.reason is not None:
        return False
    if line.n_words >= 20 or (line.terminal and line.n_words >= 8):
        return True
    return line.n_words >= 8 and not line.terminal and _continued(lines, i)


def _find_title(lines: list[_Line], first_body: int) -> int | None:
    """Index of a headline above the first body line: a markdown heading or a short title."""
    for i in range(first_body):
        line = lines[i]
        if line.reason is not None:
            continue
        if line.heading:
            return i
        looks_titled = not line.terminal or line.title_ratio >= 0.75 or line.text[-1] in "?!"
        if 3 <= line.n_words <= 25 and looks_titled and not _continued(lines, i):
            return i
    return None


def _junk_score(lines: list[_Line], i: int, in_body: bool) -> float:
    """Additive junk evidence for a line no explicit pattern matched; >= 3 means junk."""
    line = lines[i]
    score = 0.0
    if not line.terminal:
        score += 1.0  # prose ends its sentences; widgets and labels do not
        if not in_body:
            score += 2.0  # above the first or below the last paragraph: page chrome
    if line.n_words <= 3:
        score += 1.0
    if _is_headline_like(line) and line.content_words >= 2:
        score += 2.0  # a lone title-cased line mid-article is usually a link to elsewhere
    if line.terminal and line.n_words >= 8:
        score -= 2.0
    if line.n_words >= 20:
        score -= 2.0
    if line.text[0].islower():
        score -= 1.0  # continues the sentence above
    if _continued(lines, i):
        score -= 2.0  # the next line continues this one: hard-wrapped prose
    if line.bullet or line.heading:
        score -= 1.0  # deliberate structure written by the author
    return score


# --------------------------------------------------------------------------------------------
# Paragraphs


def _continues(previous: _Line, line: _Line, adjacent: bool) -> bool:
    """True when line is a hard-wrapped continuation of the previous kept line."""
    if previous.terminal or previous.heading or line.heading or line.bullet:
        return False
    first = line.text[0]
    return first.islower() or (adjacent and previous.text.endswith(","))


def _build_paragraphs(lines: list[_Line], keep: list[bool]) -> list[str]:
    """Kept lines become paragraphs; hard-wrapped continuations are joined to their line."""
    paragraphs: list[list[str]] = []  # lists of line texts, joined once at the end (linear)
    previous: _Line | None = None
    for i, line in enumerate(lines):
        if not keep[i]:
            previous = None  # never join across a dropped line: the text would not be contiguous
            continue
        if previous is not None and _continues(previous, line, _adjacent(lines, i)):
            paragraphs[-1].append(line.text)
        else:
            paragraphs.append([line.text])
        previous = line
    return [" ".join(parts) for parts in paragraphs]


# --------------------------------------------------------------------------------------------
# Public API


def clean_text(raw: str) -> CleanedText:
    """Split pasted page text into a title, body paragraphs and dropped junk lines."""
    if not isinstance(raw, str) or not raw:
        return CleanedText(title=None, paragraphs=[], published_hint=None, dropped=[])
    lines = _split_lines(raw)
    for line in lines:
        line.reason = _explicit_reason(line)
    _mark_captions(lines)
    _mark_listed_links(lines)

    body = [i for i in range(len(lines)) if _is_body_like(lines, i)]
    title = _find_title(lines, body[0]) if body else None
    if body:
        # Only with real prose present can we tell chrome from content; otherwise keep all.
        _mark_link_blocks(lines, title)
        for i, line in enumerate(lines):
            if line.reason is None and i != title:
                line.score = _junk_score(lines, i, body[0] <= i <= body[-1])
                if line.score >= _JUNK_THRESHOLD:
                    line.reason = "scored"

    keep = [line.reason is None and i != title for i, line in enumerate(lines)]
    hint = next((line.text for line in lines if line.reason == "timestamp"), None)
    # Whole lines first, then the furniture that shares a line with the story.
    paragraphs, inline = strip_furniture(_build_paragraphs(lines, keep))
    hint = hint or next((cut.text for cut in inline if cut.reason == "timestamp"), None)
    return CleanedText(
        title=lines[title].text if title is not None else None,
        paragraphs=paragraphs,
        published_hint=hint,
        dropped=[line.text for line in lines if line.reason is not None],
        cuts=[Cut(line.text, line.reason) for line in lines if line.reason is not None] + inline,
    )


def derive_title(paragraphs: Sequence[str], max_words: int = 14) -> str:
    """A title for a story without one: the lead's first sentence, cut at a word boundary."""
    lead = next((p for p in paragraphs if p.strip()), "")
    if not lead:
        return ""
    sentences = split_sentences(lead)
    sentence = normalize_whitespace(sentences[0] if sentences else lead)
    # Wire copy opens "(CNN) -- ..."; the tag names the source, it is not part of the title.
    sentence = strip_source_tag(sentence)
    if len(sentence.split()) <= max(1, max_words):
        return sentence.rstrip(".") or sentence
    return cut_title(sentence, max_words)


def real_headline(title: str | None, paragraphs: Sequence[str]) -> str | None:
    """The title if it is a headline, None if it is only the lead cut short by derive_title.

    A derived title repeats the first sentence, so a summarizer must not take it as a headline.
    """
    if not title or title == derive_title(paragraphs):
        return None
    # A lead cut by an earlier derive_title (which cut at other words) is no headline either.
    lead = normalize_whitespace(next((p for p in paragraphs if p.strip()), ""))
    if title.endswith("…") and lead.startswith(title[:-1]):
        return None
    return title
