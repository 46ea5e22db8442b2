"""The scim2-tester compliance check against a live server: ``make scim-check``, and CI.

It migrates a throwaway SQLite database, issues a SCIM token with ``manage.py scim_token
create``, starts the project's server on 127.0.0.1 on a free port, runs scim2-tester's
``check_server`` over HTTP against /scim/v2/, prints every check with its status, and stops
the server whatever happens (also on Ctrl-C or SIGTERM). Exit status 1 when any check ended
in ERROR or CRITICAL, or when the server did not come up.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FAILING = {"ERROR", "CRITICAL"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed (exit {result.returncode}).")
    return result.stdout


def wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    import httpx2

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server stopped (exit {server.returncode}) before it answered.")
        try:
            httpx2.get(url, timeout=2)
            return
        except httpx2.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"The server did not answer {url} within {seconds:.0f} s.")


def run_checks(base_url: str, token: str) -> list:
    import httpx2
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import check_server

    http = httpx2.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    client = SyncSCIMClient(http)
    return check_server(client)


def report(results: list) -> int:
    counts: collections.Counter[str] = collections.Counter()
    print(f"\nscim2-tester: {len(results)} checks")
    for result in results:
        status = result.status.name
        counts[status] += 1
        where = f"[{result.resource_type}] " if result.resource_type else ""
        print(f"  {status:<10} {where}{result.title}: {result.reason or ''}".rstrip())
    failed = sum(counts[name] for name in FAILING)
    skipped = counts["SKIPPED"]
    summary = ", ".join(f"{count} {name.lower()}" for name, count in sorted(counts.items()))
    print(f"\nscim2-tester summary: {summary}")
    print(f"{len(results) - failed - skipped} passed, {failed} failed, {skipped} skipped")
    return failed


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="scim-check-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DATABASE_URL": f"sqlite:///{workdir / 'scim-check.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LMS_WARM_UP": "0",
        "TASKS_BACKEND": "immediate",
    }
    env.pop("REDIS_URL", None)
    print(f"SCIM check: database in {workdir}, server on 127.0.0.1:{port}")
    manage(env, "migrate", "--noinput", "-v0")
    token = manage(env, "scim_token", "create", "scim2-tester").strip().splitlines()[-1]
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def stop(*_args) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    def interrupted(signum, _frame) -> None:
        stop()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    base_url = f"http://127.0.0.1:{port}/scim/v2"
    try:
        wait_for(f"{base_url}/ServiceProviderConfig", server)
        failed = report(run_checks(base_url, token))
    finally:
        stop()
        log.close()
        errors = [
            line
            for line in (workdir / "server.log").read_text(errors="replace").splitlines()
            if "Traceback" in line or '" 500 ' in line
        ]
        if errors:
            print(f"The server logged {len(errors)} error line(s); see {workdir / 'server.log'}")
    if errors or failed:
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
