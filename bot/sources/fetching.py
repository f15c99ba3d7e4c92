"""Fetch a page from a link a user sent, without letting the link reach the host's own network.

Every hop (the first URL and each redirect) is parsed, its host resolved once, and every resolved
address checked; the connection is then made to those checked addresses only, so a DNS answer that
changes between check and connect (DNS rebinding) cannot steer the request somewhere private.
"""

from __future__ import annotations

import codecs
import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

from bot.messages import Problem, Refused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36 storybot/0.1 (news link reader)"
)
MAX_REDIRECTS = 5
_READ_CHUNK = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Response headers a caller needs to make the next request conditional.
_VALIDATORS = ("ETag", "Last-Modified")

_TOO_SLOW = Problem.TOO_SLOW
_TOO_BIG = Problem.TOO_BIG
_NOT_ALLOWED = Problem.PRIVATE_ADDRESS
_NOT_FOUND = Problem.HOST_NOT_FOUND
NO_INTERNET = Problem.NO_INTERNET
# Names that resolve from anywhere online: if none of them does either, the fault is the
# bot's connection, not the link.
WELL_KNOWN_NAMES = ("example.com", "wikipedia.org")

# ipaddress's is_global/is_private disagree between Python patch releases (and call multicast
# "global"), so the ranges that must never be reached are also listed explicitly.
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",
        "::ffff:0:0/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

_NUMERIC_PART = re.compile(r"(?:0[xX][0-9a-fA-F]*|[0-9]+)\Z")
_URL_IN_TEXT = re.compile(r"(?i)\bhttps?://[^\s<>\"'`]+")
_TRAILING_PUNCTUATION = ".,;:!?'\"»”’…*_~"
_CLOSERS = {")": "(", "]": "[", "}": "{"}

_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_BINARY_TYPES = frozenset(
    {
        "application/pdf",
        "application/octet-stream",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/msword",
        "application/wasm",
        "application/x-msdownload",
        "application/x-shockwave-flash",
    }
)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class FetchError(Refused):
    """A fetch that failed or was refused; ``error.refusal`` says why (bot/messages.py words
    it for the user)."""


@dataclass(frozen=True)
class FetchedPage:
    """A fetched response body with what is needed to decode it.

    ``headers`` holds the response's validators (``ETag``, ``Last-Modified``) when it sent them;
    status 304 (an answer to a conditional request) has an empty body.
    """

    url: str
    status: int
    content_type: str
    body: bytes
    charset: str | None
    headers: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """Decode the body as text; raises FetchError for binary content."""
        return decode_text(self.body, self.content_type, self.charset)


def fetch_url(
    url: str,
    *,
    timeout: float = 10.0,
    deadline: float = 20.0,
    max_bytes: int = 2_000_000,
    allow_loopback: bool = False,
    headers: Mapping[str, str] | None = None,
) -> FetchedPage:
    """Fetch url with SSRF checks on every hop, manual redirects, timeouts and a size cap.

    ``headers`` are sent on top of the browser-like defaults (for example ``Accept`` or the
    ``If-None-Match`` of a conditional request).
    """
    clock = _Deadline(deadline)
    current = url.strip()
    request_headers = {**_request_headers(), **(headers or {})}
    for _ in range(MAX_REDIRECTS + 1):
        target = _parse_target(current)
        addresses = _resolve(target, clock.budget(timeout), allow_loopback)
        page, location = _fetch_once(target, addresses, timeout, clock, max_bytes, request_headers)
        if page is not None:
            return page
        current = urljoin(current, location).split("#", 1)[0]
    raise FetchError(Problem.TOO_MANY_REDIRECTS)


def find_urls(text: str) -> list[str]:
    """Return a message's http(s) URLs in order, deduplicated, minus trailing punctuation."""
    found: list[str] = []
    for match in _URL_IN_TEXT.finditer(text):
        candidate = _trim_url(match.group(0))
        if len(candidate) > len("https://") and candidate not in found:
            found.append(candidate)
    return found


def decode_text(body: bytes, content_type: str, charset: str | None = None) -> str:
    """Decode a body using BOM, header charset or in-document declaration, refusing binary types."""
    if is_binary_content_type(content_type) or (not content_type and b"\x00" in body[:1024]):
        raise FetchError(Problem.LINK_IS_A_FILE, content_type=content_type or "a binary file")
    is_html = content_type in _HTML_TYPES or not content_type
    for encoding in _candidate_encodings(body, charset, is_html):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    if is_html:
        # Browsers render mis-declared HTML anyway; a few replacement characters beat refusing.
        return body.decode("utf-8", errors="replace")
    raise FetchError(Problem.UNKNOWN_ENCODING)


def is_binary_content_type(content_type: str) -> bool:
    """Whether a media type is a file format rather than readable text."""
    content_type = content_type.lower()
    return content_type in _BINARY_TYPES or content_type.startswith(_BINARY_PREFIXES)


@dataclass(frozen=True)
class _Target:
    """One hop's parsed URL: where to connect and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    literal: IPAddress | None


class _Deadline:
    """The overall time budget shared by every hop of one fetch."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, possibly negative."""
        return self._end - time.monotonic()

    def expired(self) -> bool:
        """Whether the budget is used up."""
        return self.remaining() <= 0

    def budget(self, timeout: float) -> float:
        """The per-operation timeout to use now; raises once the deadline has passed."""
        left = self.remaining()
        if left <= 0:
            raise FetchError(_TOO_SLOW)
        return min(timeout, left)


def _parse_target(url: str) -> _Target:
    """Split a URL into a checked scheme, ASCII host, port and request path."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(Problem.NOT_A_LINK) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(Problem.NOT_HTTP)
    if parts.username is not None or parts.password is not None:
        raise FetchError(Problem.LINK_WITH_PASSWORD)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(Problem.NO_HOST)
    literal = _parse_ip_literal(host)
    if literal is None:
        host = _ascii_host(host)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    default_port = 443 if scheme == "https" else 80
    return _Target(url, scheme, host, port or default_port, path, literal)


def _ascii_host(host: str) -> str:
    """IDNA-encode an internationalised host name for DNS and the Host header."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError(Problem.BAD_HOST) from exc


def _parse_ip_literal(host: str) -> IPAddress | None:
    """Parse host as an IP address, including inet_aton's decimal, octal and hex IPv4 spellings."""
    if ":" in host:
        try:
            return ipaddress.ip_address(host)
        except ValueError as exc:
            raise FetchError(Problem.BAD_ADDRESS) from exc
    parts = host.split(".")
    if len(parts) > 4 or not all(_NUMERIC_PART.match(part) for part in parts):
        return None
    # Resolvers accept "2130706433", "0177.1" and "0x7f.0.0.1" as 127.0.0.1, so parse them the
    # same way here rather than letting a DNS lookup interpret them.
    return _combine_ipv4_parts([_parse_ipv4_part(part) for part in parts])


def _parse_ipv4_part(part: str) -> int:
    """Read one dotted part the way inet_aton does: 0x… is hex, a leading 0 is octal."""
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if part.startswith("0") and len(part) > 1:
            return int(part, 8)
        return int(part)
    except ValueError as exc:
        raise FetchError(Problem.BAD_ADDRESS) from exc


def _combine_ipv4_parts(values: list[int]) -> ipaddress.IPv4Address:
    """Combine 1–4 inet_aton parts, where the last part fills all remaining bytes."""
    *leading, last = values
    last_bits = 8 * (4 - len(leading))
    if any(value > 0xFF for value in leading) or last >= 1 << last_bits:
        raise FetchError(Problem.BAD_ADDRESS)
    number = 0
    for value in leading:
        number = (number << 8) | value
    return ipaddress.IPv4Address((number << last_bits) | last)


def _resolve(target: _Target, timeout: float, allow_loopback: bool) -> list[IPAddress]:
    """Resolve the target's host and return its addresses, refusing if any is not allowed."""
    if target.literal is not None:
        addresses: list[IPAddress] = [target.literal]
    else:
        addresses = []
        for info in _getaddrinfo_bounded(target.host, target.port, timeout):
            address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
    if not addresses:
        raise FetchError(_NOT_FOUND)
    # One bad answer refuses the lot: an attacker's DNS may list a public address next to a
    # private one and hope the client tries the private one.
    if not all(is_allowed_address(address, allow_loopback=allow_loopback) for address in addresses):
        raise FetchError(_NOT_ALLOWED)
    return addresses


def _getaddrinfo_bounded(host: str, port: int, timeout: float) -> list[tuple]:
    """Run getaddrinfo in a helper thread, since the resolver itself cannot be given a timeout."""
    outcome: dict[str, object] = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=lookup, name="storybot-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise FetchError(_TOO_SLOW)
    if "error" in outcome:
        reason = _NOT_FOUND if names_resolve(timeout) else NO_INTERNET
        raise FetchError(reason) from outcome["error"]  # type: ignore[misc]
    return outcome["infos"]  # type: ignore[return-value]


def names_resolve(timeout: float) -> bool:
    """Whether any well-known name resolves: False means no name does, so a failed lookup
    says the bot is offline (or has no DNS), not that the website doesn't exist."""
    deadline = time.monotonic() + min(timeout, 5.0)
    for name in WELL_KNOWN_NAMES:
        found: list[bool] = []

        def lookup(name: str = name, found: list[bool] = found) -> None:
            with contextlib.suppress(OSError, UnicodeError):
                found.append(bool(socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)))

        worker = threading.Thread(target=lookup, name="storybot-dns-check", daemon=True)
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
        if found and found[0]:
            return True
    return False


def is_allowed_address(address: IPAddress, *, allow_loopback: bool = False) -> bool:
    """Whether the fetcher may connect to address (public only, plus plain loopback if allowed)."""
    plain_loopback = address.is_loopback and not _embedded_ipv4(address)
    if allow_loopback and plain_loopback:
        return True
    return _is_public(address)


def _is_public(address: IPAddress) -> bool:
    """Whether address, and any IPv4 address embedded in it, is globally routable unicast."""
    if any(not _is_public(embedded) for embedded in _embedded_ipv4(address)):
        return False
    if any(
        address in network for network in _BLOCKED_NETWORKS if network.version == address.version
    ):
        return False
    special = (
        address.is_private,
        address.is_loopback,
        address.is_link_local,
        address.is_multicast,
        address.is_reserved,
        address.is_unspecified,
        getattr(address, "is_site_local", False),
    )
    return address.is_global and not any(special)


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses carried inside an IPv6 address (mapped, compatible, 6to4, Teredo, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    # ::/96 is the deprecated IPv4-compatible form; :: and ::1 are themselves, not IPv4.
    if address in _NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection that connects to pre-checked addresses instead of resolving self.host."""

    def __init__(self, host: str, port: int, addresses: list[IPAddress], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses
        self.live_sock: socket.socket | None = None

    def connect(self) -> None:
        """Open the TCP connection to the first checked address that answers."""
        self.sock = self.live_sock = _open_first(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The TLS variant: pinned address, but SNI and certificate checked against the host name."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, addresses: list[IPAddress], timeout: float) -> None:
        super().__init__(host, port, addresses, timeout)
        self.tls_context = ssl.create_default_context()

    def connect(self) -> None:
        """Open TCP to a checked address, then handshake where the watchdog can cut it."""
        raw = _open_first(self.addresses, self.port, self.timeout)
        self.sock = self.live_sock = raw
        wrapped = self.tls_context.wrap_socket(
            raw, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.sock = self.live_sock = wrapped
        wrapped.do_handshake()


def _open_first(addresses: list[IPAddress], port: int, timeout: float) -> socket.socket:
    """Connect to the first of the checked addresses that accepts, trying them in order."""
    last_error: OSError = ConnectionRefusedError("no address")
    for address in addresses:
        try:
            return _open_socket(address, port, timeout)
        except OSError as exc:
            last_error = exc
    raise last_error


def _open_socket(address: IPAddress, port: int, timeout: float) -> socket.socket:
    """Open a TCP socket to exactly this IP address (never a name, so nothing is re-resolved)."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((str(address), port))
    except BaseException:
        sock.close()
        raise
    return sock


def _fetch_once(
    target: _Target,
    addresses: list[IPAddress],
    timeout: float,
    clock: _Deadline,
    max_bytes: int,
    headers: Mapping[str, str],
) -> tuple[FetchedPage | None, str]:
    """Do one request; return the page, or (None, location) when the server redirects."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = connection_class(target.host, target.port, addresses, clock.budget(timeout))
    # A per-read timeout alone lets a server trickle one byte at a time forever; the watchdog
    # shuts the socket down when the overall deadline passes, whatever stage the request is in.
    watchdog = threading.Timer(max(clock.remaining(), 0.0), _cut_connection, args=(conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        return _exchange(conn, target, timeout, clock, max_bytes, headers)
    except FetchError:
        raise
    except Exception as exc:
        raise _friendly_error(exc, clock) from exc
    finally:
        watchdog.cancel()
        conn.close()


def _exchange(
    conn: _PinnedHTTPConnection,
    target: _Target,
    timeout: float,
    clock: _Deadline,
    max_bytes: int,
    headers: Mapping[str, str],
) -> tuple[FetchedPage | None, str]:
    """Send the request and read the response status, headers and capped body."""
    conn.request("GET", target.path, headers=dict(headers))
    response = conn.getresponse()
    if response.status in _REDIRECT_STATUSES:
        location = response.getheader("Location")
        if not location:
            raise FetchError(Problem.REDIRECT_NOWHERE)
        return None, location.strip()
    validators = {
        name: value for name in _VALIDATORS if (value := response.getheader(name)) is not None
    }
    if response.status == 304:
        return FetchedPage(target.url, 304, "", b"", None, validators), ""
    if response.status >= 400:
        raise FetchError(Problem.HTTP_STATUS, status=response.status)
    _check_headers(response, max_bytes)
    body = _read_body(response, conn, timeout, clock, max_bytes)
    page = FetchedPage(
        url=target.url,
        status=response.status,
        content_type=_content_type(response),
        body=body,
        charset=response.headers.get_content_charset(),
        headers=validators,
    )
    return page, ""


def _request_headers() -> dict[str, str]:
    """Headers a browser would send, asking for an uncompressed body we can count."""
    return {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "en;q=0.9,*;q=0.5",
        "Accept-Encoding": "identity",
        "Connection": "close",
    }


def _content_type(response: http.client.HTTPResponse) -> str:
    """The bare media type, or "" when the server sent none."""
    if response.getheader("Content-Type") is None:
        return ""
    return response.headers.get_content_type()


def _check_headers(response: http.client.HTTPResponse, max_bytes: int) -> None:
    """Refuse binary types, compressed bodies and oversized declared lengths before reading."""
    content_type = _content_type(response)
    if is_binary_content_type(content_type):
        raise FetchError(Problem.LINK_IS_A_FILE, content_type=content_type)
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise FetchError(Problem.COMPRESSED)
    length = response.getheader("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise FetchError(_TOO_BIG)


def _read_body(
    response: http.client.HTTPResponse,
    conn: _PinnedHTTPConnection,
    timeout: float,
    clock: _Deadline,
    max_bytes: int,
) -> bytes:
    """Stream the body, counting bytes against the cap and time against the deadline."""
    chunks: list[bytes] = []
    total = 0
    while True:
        if conn.live_sock is not None:
            conn.live_sock.settimeout(clock.budget(timeout))
        chunk = response.read1(_READ_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(_TOO_BIG)
        chunks.append(chunk)
    if clock.expired():
        raise FetchError(_TOO_SLOW)
    if response.length:
        raise FetchError(Problem.CUT_OFF)
    return b"".join(chunks)


def _cut_connection(conn: _PinnedHTTPConnection) -> None:
    """Shut the connection's socket down so any blocked read returns at once."""
    sock = conn.live_sock
    if sock is None:
        return
    # The base-class shutdown acts on the descriptor directly; SSLSocket.shutdown would also
    # tear down TLS state that the reading thread is still using.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _friendly_error(exc: Exception, clock: _Deadline) -> FetchError:
    """Translate a low-level failure into a message a chat user can act on."""
    if clock.expired() or isinstance(exc, TimeoutError):
        return FetchError(_TOO_SLOW)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return FetchError(Problem.BAD_CERTIFICATE)
    if isinstance(exc, ssl.SSLError):
        return FetchError(Problem.NO_TLS)
    if isinstance(exc, ConnectionRefusedError):
        return FetchError(Problem.CONNECTION_REFUSED)
    if isinstance(exc, http.client.HTTPException | ValueError):
        return FetchError(Problem.BAD_RESPONSE)
    if isinstance(exc, OSError):
        return FetchError(Problem.NO_CONNECTION)
    return FetchError(Problem.LINK_FAILED)


def _candidate_encodings(body: bytes, charset: str | None, is_html: bool) -> list[str]:
    """Encodings to try in order: BOM, header charset, in-document declaration, then UTF-8."""
    candidates: list[str] = []
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            candidates.append(encoding)
    if charset:
        candidates.append(charset)
    declared = _DECLARED_CHARSET.search(body[:4096])
    if declared:
        candidates.append((declared.group(1) or declared.group(2)).decode("ascii"))
    candidates.append("utf-8")
    if is_html:
        # The HTML standard treats latin-1 and ASCII labels as windows-1252.
        candidates = ["cp1252" if _is_latin1_label(name) else name for name in candidates]
    return candidates


def _is_latin1_label(name: str) -> bool:
    """Whether a charset label means ASCII or ISO-8859-1."""
    try:
        return codecs.lookup(name).name in ("ascii", "latin-1", "iso8859-1")
    except LookupError:
        return False


def _trim_url(candidate: str) -> str:
    """Strip sentence punctuation and unbalanced closing brackets from the end of a URL."""
    while candidate:
        last = candidate[-1]
        unbalanced = last in _CLOSERS and candidate.count(last) > candidate.count(_CLOSERS[last])
        if last not in _TRAILING_PUNCTUATION and not unbalanced:
            break
        candidate = candidate[:-1]
    return candidate
