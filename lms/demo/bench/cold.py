"""The first request after a start: each page timed in a process of its own.

A web server's worker starts, sets Django up and then meets its first request with
nothing loaded: URL patterns, templates, translations, content types, site roots and
whatever the page caches in the process. The bench's own process has long been warm, so
`cold_requests` starts a fresh Python for each page (`python -m lms.demo.cold_start`),
which sets Django up as a worker does (same settings module, the bench's database, cache
mode and overrides), sends that page's request once and then `WARM_RUNS` more times, and
prints the timings as JSON. A learner's session is the one the bench already made for
them (a session cookie), so logging in is not part of the first request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms.demo.cold_start import MARKER

WARM_RUNS = 20


@dataclass
class ColdRequest:
    name: str
    method: str
    path: str
    session_key: str | None


@dataclass
class ColdTiming:
    first_ms: float
    warm_ms: float

    @property
    def ratio(self) -> float:
        return round(self.first_ms / self.warm_ms, 2) if self.warm_ms else 0.0


def cold_requests(
    requests: list[ColdRequest],
    *,
    database: dict[str, Any],
    overrides: dict[str, Any],
    report=lambda line: None,
) -> dict[str, ColdTiming | str]:
    """Each request's first and warm time in a fresh process; an error text if it failed."""
    results: dict[str, ColdTiming | str] = {}
    base_dir = Path(__file__).resolve().parents[3]
    for request in requests:
        report(f"  first request of {request.name} in a fresh process …")
        spec = {
            "database": database,
            "overrides": overrides,
            "request": request.__dict__,
            "warm_runs": WARM_RUNS,
        }
        completed = subprocess.run(
            [sys.executable, "-m", "lms.demo.cold_start"],
            input=json.dumps(spec),
            capture_output=True,
            text=True,
            cwd=base_dir,
            env=os.environ.copy(),
            timeout=300,
        )
        lines = [line for line in completed.stdout.splitlines() if line.startswith(MARKER)]
        if completed.returncode != 0 or not lines:
            tail = (completed.stderr or completed.stdout).strip().splitlines()[-1:]
            results[request.name] = (
                f"fresh process failed: {' '.join(tail) or completed.returncode}"
            )
            continue
        data = json.loads(lines[-1][len(MARKER) :])
        if "error" in data:
            results[request.name] = data["error"]
        else:
            results[request.name] = ColdTiming(first_ms=data["first_ms"], warm_ms=data["warm_ms"])
    return results
