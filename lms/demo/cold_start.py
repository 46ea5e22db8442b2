"""One page's first request in this fresh process, for the bench (lms/demo/bench/cold.py).

A module outside the bench package: importing that package loads models, which a process
can only do after `django.setup()`, and this process must set Django up as a web server's
worker does (importing lms.wsgi) before it meets its first request. Reads its spec as JSON on stdin and
prints one result line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

MARKER = "BENCH-COLD-RESULT "


def _get(client, path: str) -> tuple[int, float]:
    """GET and read the whole body (streamed or not): status and milliseconds."""
    started = time.perf_counter()
    response = client.get(path)
    if getattr(response, "streaming", False):
        for _chunk in response.streaming_content:
            pass
    else:
        response.content  # noqa: B018
    response.close()
    return response.status_code, (time.perf_counter() - started) * 1000


def main() -> None:
    spec = json.loads(sys.stdin.read())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
    # As a web server's worker starts: the WSGI module sets Django up, and the worker
    # warms up (lms/core/startup.py), here once it is pointed at the bench's database.
    os.environ["LMS_WARM_UP"] = "0"
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    import lms.wsgi  # noqa: F401

    # Nothing of the LMS is imported before the first request but the database switch
    # (a settings change): the request itself loads what a worker's first request loads.
    from lms.demo.bench_switch import use_database

    request = spec["request"]
    with override_settings(**spec["overrides"]):
        use_database(spec["database"])
        if spec.get("warm_up", True):
            from lms.core.startup import warm_up

            warm_up()
        client = Client()
        if request["session_key"]:
            client.cookies[settings.SESSION_COOKIE_NAME] = request["session_key"]
        try:
            status, first_ms = _get(client, request["path"])
            warm = [_get(client, request["path"])[1] for _run in range(spec["warm_runs"])]
        except Exception as error:  # reported by the parent
            print(MARKER + json.dumps({"error": f"{type(error).__name__}: {error}"}))
            return
        if status != 200:
            print(MARKER + json.dumps({"error": f"{request['path']} answered {status}"}))
            return
        print(
            MARKER
            + json.dumps(
                {"first_ms": round(first_ms, 2), "warm_ms": round(statistics.median(warm), 2)}
            )
        )


if __name__ == "__main__":
    main()
