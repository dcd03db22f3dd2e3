"""Exam-day autosave throughput: many agents saving answers at once, against a baseline.

Starts gunicorn twice with the same settings: once with the smallest Flask app (the
baseline), once with trainer on a fresh demo database (SQLite by default, or DATABASE_URL).
The same client threads then post as fast as they can for a fixed time. Prints requests per
second and latency percentiles for both, and every non-200 answer (a "database is locked"
shows up here as a 500).

    .venv/bin/python bench/autosave.py [--workers 2] [--agents 16] [--seconds 10]
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.http import Session, paper_answers  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(module: str, workers: int, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", module],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + ("/healthz" if "wsgi" in module else "/"), timeout=1)
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{module} did not start")


def hammer(post, clients: int, seconds: float) -> dict:
    latencies, failures, stop = [], [], time.monotonic() + seconds
    lock = threading.Lock()

    def loop(index):
        mine, bad = [], []
        n = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            status = post(index, n)
            mine.append(time.perf_counter() - started)
            if status != 200:
                bad.append(status)
            n += 1
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "failures": len(failures),
        "failure_statuses": sorted(set(failures)),
    }


def baseline(args) -> dict:
    server, base = serve("bench.hello:app", args.workers, dict(os.environ))
    try:
        def post(_index, n):
            request = urllib.request.Request(
                base + "/", data=json.dumps({"answers": {str(n % 16): [1]}}).encode(),
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                return response.status

        return hammer(post, args.agents, args.seconds)
    finally:
        server.terminate()
        server.wait()


def trainer(args, instance: str) -> dict:
    env = {**os.environ, "TRAINER_ENV": "development", "TRAINER_INSTANCE": instance,
           "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance}/bench.db"),
           "RATELIMIT_ENABLED": "false"}
    flask = [sys.executable, "-m", "flask", "--app", "trainer"]
    for command in ("init-db", "seed-demo"):
        subprocess.run([*flask, command], cwd=ROOT, env=env, check=True, capture_output=True)
    server, base = serve("wsgi:app", args.workers, env)
    try:
        sessions = []
        for index in range(args.agents):
            session = Session(base)
            session.log_in(f"agent{index % 18 + 1:02d}", "demo1234")
            _, page = session.get("/exams")
            exam = re.search(r"/exams/(\d+)/start", page).group(1)
            _, paper = session.post_form(f"/exams/{exam}/start", {})
            attempt = re.search(r"/attempts/(\d+)", session.last_url).group(1)
            sessions.append((session, attempt, paper_answers(paper, index)))

        def post(index, n):
            session, attempt, answers = sessions[index]
            position = str(n % len(answers))
            status, _ = session.post_json(f"/attempts/{attempt}/answers",
                                          {"answers": {position: answers[position]}})
            return status

        return hammer(post, args.agents, args.seconds)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--agents", type=int, default=16,
                        help="concurrent clients (agents share demo accounts past 18)")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        results = {"baseline_hello_flask": baseline(args),
                   "trainer_autosave": trainer(args, instance)}
    database = os.environ.get("DATABASE_URL", "sqlite").split(":")[0]
    print(json.dumps({"workers": args.workers, "agents": args.agents,
                      "seconds": args.seconds, "database": database, **results}, indent=2))
    ratio = results["trainer_autosave"]["rps"] / results["baseline_hello_flask"]["rps"]
    print(f"autosave throughput = {ratio:.0%} of hello-world Flask on the same gunicorn")


if __name__ == "__main__":
    main()
