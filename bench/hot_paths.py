"""The exam's hot paths in one process: what an autosave, a clock poll and the exam page cost
in the app alone (Flask's test client, no server, no network), next to the baseline app's
route (bench/hello.py) through the same client in the same run.

    .venv/bin/python bench/hot_paths.py [--db sqlite|postgresql|both] [--requests 1000]

Where exam_day.py measures the whole exam day through gunicorn, this isolates the app's own
cost, to see what a change to a hot path buys. PostgreSQL runs in its own database
`bench_hot_paths`, dropped afterwards.
"""

import argparse
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exam_day import PASSWORD, ROOT, app_for, database, seed  # noqa: E402
from hello import app as hello_app  # noqa: E402

from trainer.extensions import db  # noqa: E402

PG_NAME = "bench_hot_paths"
TOKEN = re.compile(r'name="csrf(?:_token|-token)"[^>]*(?:value|content)="([^"]+)"')
WARM_UP = 50


def per_request(requests: int, call) -> float:
    """Milliseconds per call, after a warm-up (caches filled, statements prepared)."""
    for n in range(WARM_UP):
        call(n)
    started = time.perf_counter()
    for n in range(WARM_UP, WARM_UP + requests):
        call(n)
    return (time.perf_counter() - started) / requests * 1000


def expect(reply, status: int = 200):
    if reply.status_code != status:
        raise SystemExit(f"{reply.request.path}: {reply.status_code}, expected {status}")
    return reply


def run(kind: str, requests: int, workdir: Path) -> dict:
    secret = secrets.token_hex(32)
    with database(kind, workdir, PG_NAME) as url:
        env = {"DATABASE_URL": url, "SECRET_KEY": secret, "TRAINER_INSTANCE": str(workdir),
               "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-m", "flask", "--app", "trainer", "init-db"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        app = app_for(url, secret)
        exam_id, _ = seed(app, ["hot0001"])
        client = app.test_client()

        def token(path: str) -> str:
            return TOKEN.search(expect(client.get(path)).text).group(1)

        expect(client.post("/login", data={"username": "hot0001", "password": PASSWORD,
                                           "csrf_token": token("/login")}), 302)
        started = expect(client.post(f"/exams/{exam_id}/start",
                                     data={"csrf_token": token("/exams")}), 302)
        page_url = started.location
        headers = {"X-CSRFToken": token(page_url)}
        # Single-choice questions take option 0 as an answer: save one of them at a time.
        singles = [int(p) for p in re.findall(
            r'data-position="(\d+)" data-qtype="single"', client.get(page_url).text)]

        def autosave(n):
            position = singles[n % len(singles)]
            reply = expect(client.post(f"{page_url}/answers", headers=headers, json={
                "answers": {str(position): [0]}, "client": "bench", "stamp": n}))
            assert reply.json["saved"] == 1, reply.json

        def clock(_n):
            expect(client.get(f"{page_url}/clock"))

        def page(_n):
            expect(client.get(page_url))

        figures = {"autosave": per_request(requests, autosave),
                   "clock": per_request(requests, clock),
                   "exam page": per_request(requests, page)}
        with app.app_context():
            db.engine.dispose()
    hello = hello_app.test_client()
    figures["hello-world"] = per_request(requests, lambda _n: expect(hello.post("/", data=b"x")))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="hot-paths-") as workdir:
            figures = run(kind, args.requests, Path(workdir))
        baseline = figures["hello-world"]
        print(f"== {kind}: ms per request in-process, {args.requests} each after {WARM_UP}")
        for label, ms in figures.items():
            print(f"{label:12} {ms:7.2f} ms  {ms / baseline:5.1f} × hello-world")


if __name__ == "__main__":
    main()
