"""A real server (gunicorn, two workers) on a fresh database, and Debian's Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class LiveServer:
    base: str
    engine: Engine  # the server's database, for what a browser must never see (answer keys)
    backend: str
    env: dict

    def flask(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "flask", "--app", "trainer", *args],
                       env=self.env, cwd=ROOT, check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'e2e.db'}"
    engine = create_engine(backend)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS e2e CASCADE"))
        conn.execute(text("CREATE SCHEMA e2e"))
    engine.dispose()
    return f"{backend}?options=-csearch_path%3De2e"


@pytest.fixture(params=["sqlite", "postgresql"])
def live_server(request, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    backend = "sqlite" if request.param == "sqlite" else os.environ.get("TEST_DATABASE_URL")
    if not backend:
        pytest.skip("TEST_DATABASE_URL not set")
    url = fresh_database(backend, tmp_path)
    env = {**os.environ, "TRAINER_ENV": "development", "DATABASE_URL": url,
           "TRAINER_INSTANCE": str(tmp_path)}
    LiveServer("", None, request.param, env).flask("init-db")
    server, base, log = start_gunicorn(env, tmp_path / "server.log")
    engine = create_engine(url)
    yield LiveServer(base, engine, request.param, env)
    engine.dispose()
    server.terminate()
    server.wait(timeout=10)
    log.close()


def start_gunicorn(env: dict, log_path: Path, workers: int = 2):
    """gunicorn serving `env`'s database once /healthz answers: (process, base URL, log)."""
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115  (closed after the server stops)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return server, base, log
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(log_path.read_text()) from None
            time.sleep(0.2)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def shoot():
    ARTIFACTS.mkdir(exist_ok=True)

    def _shoot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return _shoot
