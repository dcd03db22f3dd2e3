"""A tiny asyncio HTTP/1.1 client for load tests, and the figures it collects.

Thousands of simulated browsers as threads would take the CPU the server under test needs;
as coroutines they cost almost nothing while they wait. One connection per request
(`Connection: close`), which is what gunicorn's sync workers do anyway.
"""

import asyncio
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class Failed(Exception):
    """A request that did not get the answer it expected; str() is its reason."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    set_cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        """The redirect's path (Werkzeug sends relative ones; a proxy may make them absolute)."""
        parts = urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Browser:
    """One simulated browser: its own cookies and extra headers (a proxy's X-Forwarded-*).

    `route` maps a path to the port that serves it, as a proxy routing some paths to their
    own app instances would; the Host header stays the site's (`port`) either way."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None,
                 route: Callable[[str], int] | None = None):
        self.host, self.port = host, port
        self.headers = headers or {}
        self.cookies: dict[str, str] = {}
        self.route = route

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None,
                      timeout: float = 60) -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Connection: close", "User-Agent: exam-day-bench"]
        lines += [f"{k}: {v}" for k, v in {**self.headers, **(headers or {})}.items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        async with asyncio.timeout(timeout):
            port = self.route(path) if self.route else self.port
            reader, writer = await asyncio.open_connection(self.host, port)
            try:
                writer.write(message)
                head = await reader.readuntil(b"\r\n\r\n")
                response = _parse_head(head)
                length = response.headers.get("content-length")
                response.body = (await reader.readexactly(int(length)) if length is not None
                                 else await reader.read())
            finally:
                writer.close()
        return response


def _parse_head(head: bytes) -> Response:
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers, cookies = {}, []
    for line in header_lines:
        if not line:
            continue
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            cookies.append(value)
        headers[name] = value
    return Response(int(status_line.split()[1]), headers, set_cookies=cookies)


def keep_cookies(browser: Browser, response: Response) -> None:
    """Browser cookie handling, as far as one site over one scheme needs it."""
    for cookie in response.set_cookies:
        pair, _, attributes = cookie.partition(";")
        name, _, value = pair.strip().partition("=")
        expired = "max-age=0" in attributes.lower().replace(" ", "")
        if value and not expired:
            browser.cookies[name] = value
        else:
            browser.cookies.pop(name, None)


async def send(browser: Browser, stats: "Stats", label: str, method: str, path: str,
               expect: int, body: bytes = b"", headers: dict[str, str] | None = None,
               timeout: float = 60) -> Response:
    """One timed request; anything but the expected status is recorded as an error under
    `label` and raised as Failed, never retried behind the caller's back."""
    started = time.perf_counter()
    try:
        response = await browser.request(method, path, body, headers, timeout)
    except TimeoutError:
        stats.error(label, f"timeout after {timeout:g} s")
        raise Failed("timeout") from None
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        stats.error(label, type(exc).__name__)
        raise Failed(type(exc).__name__) from None
    finished = time.perf_counter()
    keep_cookies(browser, response)
    if response.status != expect:
        stats.error(label, f"HTTP {response.status}")
        raise Failed(f"HTTP {response.status}")
    stats.record(label, started, finished)
    return response


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Stats:
    """Latencies and errors per request label, over one phase of the run."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    spans: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def record(self, label: str, started: float, finished: float) -> None:
        self.latencies[label].append(finished - started)
        first, last = self.spans.get(label, (started, finished))
        self.spans[label] = [min(first, started), max(last, finished)]

    def error(self, label: str, reason: str) -> None:
        self.errors[label][reason] += 1

    def error_count(self) -> int:
        return sum(sum(c.values()) for c in self.errors.values())

    def summary(self, label: str, seconds: float | None = None) -> dict:
        """Count, errors, requests per second (over `seconds`, else from the first request's
        start to the last one's end) and latency percentiles in milliseconds."""
        times = sorted(self.latencies.get(label, []))
        errors = dict(self.errors.get(label, {}))
        result = {"requests": len(times), "errors": sum(errors.values())}
        if errors:
            result["error_reasons"] = errors
        if times:
            first, last = self.spans[label]
            span = seconds or max(last - first, 1e-9)
            result.update(rps=round(len(times) / span, 1),
                          p50_ms=round(1000 * percentile(times, 0.50), 1),
                          p99_ms=round(1000 * percentile(times, 0.99), 1),
                          max_ms=round(1000 * times[-1], 1))
        return result
