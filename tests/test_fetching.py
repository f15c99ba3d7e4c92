"""Tests for bot.sources.fetching: SSRF refusals, pinning, redirects, limits and friendly errors."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.messages import Problem, Refusal, say
from bot.sources import fetching
from bot.sources.fetching import (
    NO_INTERNET,
    WELL_KNOWN_NAMES,
    FetchedPage,
    FetchError,
    decode_text,
    fetch_url,
    find_urls,
    is_allowed_address,
)
from tests.support.local_http import (
    LocalHTTPServer,
    Route,
    chunked,
    html_route,
    redirect,
    sleep_then,
    trickle,
)


@contextlib.contextmanager
def refused(wording: str) -> Iterator[None]:
    """A FetchError whose reason reads (bot/messages.py) as the pattern says; the error itself
    carries the reason, not the words."""
    with pytest.raises(FetchError) as raised:
        yield
    assert re.search(wording, say(raised.value)), say(raised.value)
    assert str(raised.value) != say(raised.value)


PAGE = "<html><head><title>Hi</title></head><body><p>Hello there.</p></body></html>"
PUBLIC_IP = "93.184.216.34"  # documentation-free, globally routable; never actually contacted


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    """A local server with a plain HTML page at /."""
    with LocalHTTPServer({"/": html_route(PAGE)}) as local:
        yield local


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Fail loudly if the fetcher tries to open any socket."""
    attempts: list[tuple[str, int]] = []

    def refuse(address: fetching.IPAddress, port: int, timeout: float) -> socket.socket:
        attempts.append((str(address), port))
        raise AssertionError(f"connection attempted to {address}:{port}")

    monkeypatch.setattr(fetching, "_open_socket", refuse)
    return attempts


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """Serve scripted DNS answers per name (one list per successive lookup); return the lookups."""
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        script = answers[host]
        ips = script[min(len(lookups) - 1, len(script) - 1)]
        return [_addrinfo(ip, port) for ip in ips]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def _addrinfo(ip: str, port: int) -> tuple:
    """One getaddrinfo result tuple for ip."""
    if ":" in ip:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))


def route_public_to(monkeypatch: pytest.MonkeyPatch, local: LocalHTTPServer) -> list[str]:
    """Make connections to PUBLIC_IP land on the local server; return every address dialled."""
    dialled: list[str] = []
    real_open = fetching._open_socket

    def open_socket(address: fetching.IPAddress, port: int, timeout: float) -> socket.socket:
        dialled.append(str(address))
        if str(address) != PUBLIC_IP:
            raise AssertionError(f"dialled unchecked address {address}")
        return real_open(ipaddress.ip_address("127.0.0.1"), local.port, timeout)

    monkeypatch.setattr(fetching, "_open_socket", open_socket)
    return dialled


# --- success and loopback policy ---------------------------------------------------------------


def test_fetches_local_page_when_loopback_allowed(server: LocalHTTPServer) -> None:
    page = fetch_url(server.url("/"), allow_loopback=True)
    assert isinstance(page, FetchedPage)
    assert page.status == 200
    assert page.content_type == "text/html"
    assert page.charset == "utf-8"
    assert page.url == server.url("/")
    assert page.text() == PAGE
    sent = server.requests[0].headers
    assert "storybot" in sent["User-Agent"]
    assert sent["Host"] == f"127.0.0.1:{server.port}"


def test_extra_headers_are_sent_and_validators_come_back(server: LocalHTTPServer) -> None:
    server.routes["/v"] = Route(
        200,
        {
            "Content-Type": "text/plain",
            "ETag": '"v1"',
            "Last-Modified": "Mon, 02 Mar 2026 10:00:00 GMT",
        },
        b"first version",
    )
    page = fetch_url(server.url("/v"), allow_loopback=True, headers={"If-None-Match": '"v0"'})
    assert page.headers == {"ETag": '"v1"', "Last-Modified": "Mon, 02 Mar 2026 10:00:00 GMT"}
    sent = server.requests[0].headers
    assert sent["If-None-Match"] == '"v0"' and "storybot" in sent["User-Agent"]


def test_not_modified_is_an_empty_page(server: LocalHTTPServer) -> None:
    server.routes["/same"] = Route(304, {"ETag": '"v1"'})
    page = fetch_url(server.url("/same"), allow_loopback=True, headers={"If-None-Match": '"v1"'})
    assert (page.status, page.body, page.headers) == (304, b"", {"ETag": '"v1"'})


def test_loopback_refused_by_default(server: LocalHTTPServer) -> None:
    with refused("private or local"):
        fetch_url(server.url("/"))
    assert server.requests == []


def test_localhost_name_refused_by_default(server: LocalHTTPServer) -> None:
    with refused("private or local"):
        fetch_url(f"http://localhost:{server.port}/")
    assert server.requests == []


def test_follows_redirects_and_reports_final_url(server: LocalHTTPServer) -> None:
    server.routes["/a"] = redirect("/b", 301)
    server.routes["/b"] = redirect(server.url("/") + "#frag", 307)
    page = fetch_url(server.url("/a"), allow_loopback=True)
    assert page.url == server.url("/")
    assert [r.path for r in server.requests] == ["/a", "/b", "/"]


def test_too_many_redirects(server: LocalHTTPServer) -> None:
    server.routes["/loop"] = redirect("/loop")
    with refused("redirects too many times"):
        fetch_url(server.url("/loop"), allow_loopback=True)
    assert len(server.requests) == fetching.MAX_REDIRECTS + 1


# --- refused before any connection --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/file.txt",
        "data:text/html,<p>hi</p>",
        "javascript:alert(1)",
        "gopher://example.com/",
        "example.com/no-scheme",
    ],
)
def test_non_http_schemes_refused(url: str, no_connections: list) -> None:
    with refused("http:// and https://"):
        fetch_url(url)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",  # decimal 127.0.0.1
        "0177.0.0.1",  # octal
        "0x7f.0.0.1",  # hex
        "0x7f000001",
        "127.1",
        "0",
        "10.0.0.1",
        "012.0.0.1",  # octal 10.0.0.1
        "169.254.169.254",
        "0xa9fea9fe",  # hex 169.254.169.254
        "100.64.0.1",
        "192.168.1.1",
        "172.16.5.4",
        "224.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "[::1]",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:10.0.0.1]",
        "[::127.0.0.1]",
        "[2002:7f00:1::]",  # 6to4 around 127.0.0.1
        "[2002:a9fe:a9fe::1]",  # 6to4 around 169.254.169.254
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo
        "[64:ff9b::a00:1]",  # NAT64 around 10.0.0.1
        "[fe80::1]",
        "[fc00::1]",
        "[ff02::1]",
    ],
)
def test_private_and_odd_ip_literals_refused(host: str, no_connections: list) -> None:
    with refused("private or local"):
        fetch_url(f"http://{host}/latest/meta-data/")
    assert no_connections == []


@pytest.mark.parametrize(
    "host", ["[::ffff:127.0.0.1]", "[::127.0.0.1]", "10.0.0.1", "169.254.169.254"]
)
def test_embedded_and_private_refused_even_with_loopback_allowed(
    host: str, no_connections: list
) -> None:
    with refused("private or local"):
        fetch_url(f"http://{host}/", allow_loopback=True)
    assert no_connections == []


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "0x1ffffffff", "09.1.1.1", "[::zz]"])
def test_malformed_ip_literals_refused(host: str, no_connections: list) -> None:
    with pytest.raises(FetchError):
        fetch_url(f"http://{host}/")


@pytest.mark.parametrize(
    ("address", "allow_loopback", "expected"),
    [
        ("8.8.8.8", False, True),
        ("2606:4700:4700::1111", False, True),
        ("127.0.0.1", False, False),
        ("127.0.0.1", True, True),
        ("127.8.9.10", True, True),
        ("::1", False, False),
        ("::1", True, True),
        ("::ffff:127.0.0.1", True, False),
        ("::ffff:8.8.8.8", False, False),  # mapped forms are never needed for a public site
        ("10.1.2.3", True, False),
        ("169.254.169.254", True, False),
        ("fe80::1", True, False),
        ("100.100.100.200", False, False),
        ("192.0.0.8", False, False),
        ("198.18.0.1", False, False),
        ("239.255.255.250", False, False),
        ("240.0.0.1", False, False),
    ],
)
def test_is_allowed_address(address: str, allow_loopback: bool, expected: bool) -> None:
    ip = ipaddress.ip_address(address)
    assert is_allowed_address(ip, allow_loopback=allow_loopback) is expected


def test_credentials_in_url_refused(no_connections: list) -> None:
    with refused("username or password"):
        fetch_url("http://user:pass@example.com/")


def test_any_private_dns_answer_refuses(
    monkeypatch: pytest.MonkeyPatch, no_connections: list
) -> None:
    fake_dns(monkeypatch, {"mixed.example": [[PUBLIC_IP, "10.0.0.1"]]})
    with refused("private or local"):
        fetch_url("http://mixed.example/")


def test_dns_failure_is_friendly(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list:
        if host in WELL_KNOWN_NAMES:  # the bot is online: only this website is unknown
            return [_addrinfo(PUBLIC_IP, port)]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with refused("couldn't find that website"):
        fetch_url("http://no-such-host.invalid/")


def test_no_name_resolving_means_no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(FetchError) as raised:
        fetch_url("http://news.example/story")
    assert raised.value.problem is NO_INTERNET
    assert "can't reach the internet" in say(raised.value)


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "file:///etc/passwd",
        "ftp://example.com/",
    ],
)
def test_redirect_to_private_target_refused(
    target: str, server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"news.example": [[PUBLIC_IP]]})
    dialled = route_public_to(monkeypatch, server)
    server.routes["/go"] = redirect(target)
    with refused("private or local|http:// and https://"):
        fetch_url("http://news.example/go")
    assert dialled == [PUBLIC_IP]
    assert [r.path for r in server.requests] == ["/go"]


def test_public_host_served_with_original_host_header(
    server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"news.example": [[PUBLIC_IP]]})
    route_public_to(monkeypatch, server)
    page = fetch_url("http://news.example/")
    assert page.url == "http://news.example/"
    assert server.requests[0].headers["Host"] == "news.example"


# --- DNS rebinding ------------------------------------------------------------------------------


def test_rebinding_connects_to_checked_address_only(monkeypatch: pytest.MonkeyPatch) -> None:
    lookups = fake_dns(monkeypatch, {"rebind.example": [[PUBLIC_IP], ["127.0.0.1"]]})
    dialled: list[str] = []

    def open_socket(address: fetching.IPAddress, port: int, timeout: float) -> socket.socket:
        dialled.append(str(address))
        raise ConnectionRefusedError  # never send real traffic anywhere

    monkeypatch.setattr(fetching, "_open_socket", open_socket)
    with refused("refused the connection"):
        fetch_url("http://rebind.example/")
    assert dialled == [PUBLIC_IP]
    assert lookups == ["rebind.example"]


def test_rebinding_end_to_end_uses_first_answer(
    server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The checked answer is loopback (allowed here); a second lookup would say 10.0.0.1, which
    # would fail to connect. Success proves the pinned, checked address was used.
    lookups = fake_dns(monkeypatch, {"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})
    page = fetch_url(f"http://rebind.test:{server.port}/", allow_loopback=True)
    assert page.text() == PAGE
    assert lookups == ["rebind.test"]
    assert server.requests[0].headers["Host"] == f"rebind.test:{server.port}"


# --- https: pinned address, certificate checked against the URL's host name --------------------


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for news.example, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=news.example"]
    command += ["-addext", "subjectAltName=DNS:news.example"]
    subprocess.run(command, check=True, capture_output=True, timeout=30)
    return cert, key


@pytest.fixture
def tls_server(
    tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalHTTPServer]:
    """A local https server whose certificate the fetcher is made to trust."""
    cert, key = tls_files
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    real_default_context = ssl.create_default_context

    def trusting_context(*args: object, **kwargs: object) -> ssl.SSLContext:
        context = real_default_context(*args, **kwargs)
        context.load_verify_locations(cert)
        return context

    monkeypatch.setattr(ssl, "create_default_context", trusting_context)
    with LocalHTTPServer({"/": html_route(PAGE)}, tls=server_context) as local:
        yield local


def test_https_pins_address_and_verifies_host_name(
    tls_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"news.example": [["127.0.0.1"]], "other.example": [["127.0.0.1"]]})
    page = fetch_url(f"https://news.example:{tls_server.port}/", allow_loopback=True)
    assert page.text() == PAGE
    assert tls_server.requests[0].headers["Host"] == f"news.example:{tls_server.port}"
    with refused("certificate"):
        fetch_url(f"https://other.example:{tls_server.port}/", allow_loopback=True)


# --- limits and errors --------------------------------------------------------------------------


def test_body_over_cap_refused_by_content_length(server: LocalHTTPServer) -> None:
    server.routes["/big"] = html_route("x" * 5000)
    with refused("too big"):
        fetch_url(server.url("/big"), allow_loopback=True, max_bytes=1000)


def test_body_over_cap_refused_when_chunked(server: LocalHTTPServer) -> None:
    headers = {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}
    server.routes["/chunked"] = Route(200, headers, chunked([b"y" * 400] * 10))
    with refused("too big"):
        fetch_url(server.url("/chunked"), allow_loopback=True, max_bytes=1000)


def test_chunked_body_under_cap_is_read(server: LocalHTTPServer) -> None:
    headers = {"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}
    server.routes["/chunked"] = Route(200, headers, chunked([b"ab", b"cd"]))
    page = fetch_url(server.url("/chunked"), allow_loopback=True)
    assert page.body == b"abcd"


def test_body_over_cap_refused_without_length(server: LocalHTTPServer) -> None:
    # No Content-Length and no chunking: the body runs until the server closes the connection.
    server.routes["/stream"] = Route(
        200, {"Content-Type": "text/html"}, trickle(b"z" * 5000, 0, step=500)
    )
    with refused("too big"):
        fetch_url(server.url("/stream"), allow_loopback=True, max_bytes=1000)


def test_trickling_body_cut_off_by_deadline(server: LocalHTTPServer) -> None:
    headers = {"Content-Type": "text/html", "Content-Length": "1000"}
    server.routes["/slow"] = Route(200, headers, trickle(b"a" * 1000, 0.05))
    started = time.monotonic()
    with refused("too long"):
        fetch_url(server.url("/slow"), allow_loopback=True, timeout=0.5, deadline=1.0)
    assert time.monotonic() - started < 2.0


def test_trickling_headers_cut_off_by_deadline(server: LocalHTTPServer) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"s" * 200 + b"\r\n\r\n"
    server.routes["/slow-head"] = Route(body=trickle(head, 0.05), raw=True)
    started = time.monotonic()
    with refused("too long"):
        fetch_url(server.url("/slow-head"), allow_loopback=True, timeout=0.5, deadline=1.0)
    assert time.monotonic() - started < 2.0


def test_read_timeout(server: LocalHTTPServer) -> None:
    server.routes["/silent"] = sleep_then(1.5, html_route(PAGE))
    started = time.monotonic()
    with refused("too long"):
        fetch_url(server.url("/silent"), allow_loopback=True, timeout=0.3)
    assert time.monotonic() - started < 1.2


@pytest.mark.parametrize("status", [404, 500, 403])
def test_http_errors(server: LocalHTTPServer, status: int) -> None:
    server.routes["/err"] = html_route("nope", status=status)
    with refused(f"That link returned HTTP {status}."):
        fetch_url(server.url("/err"), allow_loopback=True)


def test_missing_page_is_404(server: LocalHTTPServer) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_url(server.url("/missing"), allow_loopback=True)
    assert caught.value.refusal == Refusal(Problem.HTTP_STATUS, {"status": 404})
    assert say(caught.value) == "That link returned HTTP 404."


def test_connection_refused_is_friendly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with refused("refused the connection"):
        fetch_url(f"http://127.0.0.1:{port}/", allow_loopback=True)


@pytest.mark.parametrize(
    "content_type", ["image/png", "application/pdf", "application/octet-stream"]
)
def test_binary_content_types_refused(server: LocalHTTPServer, content_type: str) -> None:
    server.routes["/file"] = Route(200, {"Content-Type": content_type}, b"\x89PNG\x00\x01")
    with refused("not a web page"):
        fetch_url(server.url("/file"), allow_loopback=True)


def test_compressed_body_refused(server: LocalHTTPServer) -> None:
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    server.routes["/gz"] = Route(200, headers, b"\x1f\x8b\x08\x00")
    with refused("compressed"):
        fetch_url(server.url("/gz"), allow_loopback=True)


# --- decoding -----------------------------------------------------------------------------------


def test_text_uses_meta_charset_when_header_has_none() -> None:
    html = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'
    page = FetchedPage("http://x/", 200, "text/html", html.encode("cp1251"), None)
    assert "Привет" in page.text()


def test_text_header_charset_wins() -> None:
    page = FetchedPage("http://x/", 200, "text/html", "café".encode("latin-1"), "iso-8859-1")
    assert page.text() == "café"


def test_html_falls_back_to_replacement() -> None:
    page = FetchedPage("http://x/", 200, "text/html", b"ok \xff\xfe bad", "utf-8")
    assert page.text().startswith("ok ")


def test_non_html_text_with_bad_bytes_refused() -> None:
    with refused("encoded"):
        decode_text(b"ok \xff bad", "application/json", "utf-8")


def test_binary_text_refused() -> None:
    with refused("not a web page"):
        FetchedPage("http://x/", 200, "image/jpeg", b"\xff\xd8", None).text()
    with pytest.raises(FetchError):
        decode_text(b"\x00\x01\x02binary", "")


# --- find_urls ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no links here", []),
        ("see https://example.com/a.", ["https://example.com/a"]),
        (
            "two: http://a.example/x, and https://b.example/y?q=1!",
            ["http://a.example/x", "https://b.example/y?q=1"],
        ),
        ("dup https://a.example https://a.example", ["https://a.example"]),
        ("(see https://a.example/page)", ["https://a.example/page"]),
        (
            "https://en.wikipedia.org/wiki/Python_(programming_language).",
            ["https://en.wikipedia.org/wiki/Python_(programming_language)"],
        ),
        ('<a href="https://a.example/q">x</a>', ["https://a.example/q"]),
        ("HTTPS://A.example/Path", ["HTTPS://A.example/Path"]),
        ("ftp://a.example/ and www.a.example", []),
        ("quoted “https://a.example/z”", ["https://a.example/z"]),
        ("just https:// nothing", []),
    ],
)
def test_find_urls(text: str, expected: list[str]) -> None:
    assert find_urls(text) == expected
