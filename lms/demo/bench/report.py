"""The bench's output: the tables printed by the command and the JSON it writes."""

from __future__ import annotations

import json
import os
import platform
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from lms.demo.bench.runner import BenchOutcome, ScaleRun

BASE_DIR = Path(settings.BASE_DIR)
RESULTS_DIR = BASE_DIR / "bench" / "results"


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def format_table(run_result: ScaleRun) -> str:
    failed = defaultdict(list)
    for target in run_result.targets:
        if not target.passed:
            failed[target.request].append(target.description)
    lines = [
        f"{'request':<17} {'method':<6} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} "
        f"{'× floor':>7} {'cold ms':>8}  targets",
    ]
    target_names = {target.request for target in run_result.targets}
    for result in run_result.requests:
        if not result.ok:
            mark = f"ERROR {result.error}"
        elif result.name not in target_names:
            mark = "(reference)"
        elif failed[result.name]:
            mark = "FAIL " + "; ".join(failed[result.name])
        else:
            mark = "PASS"
        lines.append(
            f"{result.name:<17} {result.method:<6} {_number(result.p50_ms):>8} "
            f"{_number(result.p95_ms):>8} {result.queries if result.queries is not None else '–':>7} "
            f"{_number(result.ratio_to_floor, 2):>7} {_number(result.first_ms):>8}  {mark}"
        )
    lines.append("")
    for result in run_result.requests:
        lines.append(f"  {result.name:<17} {result.method} {result.path} — {result.label}")
    lines.append("  (cold ms: the first request, before any warm-up: empty caches)")
    lines.append("")
    lines.append("Targets:")
    for target in run_result.targets:
        value = "–" if target.value is None else f"{target.value:g}"
        lines.append(
            f"  {'PASS' if target.passed else 'FAIL'}  {target.request}: "
            f"{target.description} (measured {value})"
        )
    return "\n".join(lines)


def format_comparison(outcome: BenchOutcome) -> str:
    sizes = [str(run.scale.employees) for run in outcome.runs]
    lines = [
        "Queries per request by scale (they must not depend on the amount of data):",
        f"{'request':<17} " + " ".join(f"{size + ' emp.':>11}" for size in sizes),
    ]
    for row in outcome.comparison or []:
        counts = " ".join(f"{_number(row['queries'][size], 0):>11}" for size in sizes)
        lines.append(f"{row['request']:<15} {counts}  {'same' if row['same'] else 'DIFFERS'}")
    return "\n".join(lines)


def format_summary(run_result: ScaleRun) -> str:
    durations = run_result.durations
    counts = run_result.counts
    parts = [
        f"{run_result.scale.employees:,} employees on {run_result.database['vendor']} "
        f"({run_result.database['name']})",
        ", ".join(f"{name} {count:,}" for name, count in counts.items()),
    ]
    timing = []
    if run_result.reused_database:
        timing.append("database reused")
    for key, label in (
        ("migrate_s", "migrate"),
        ("generate_s", "generation"),
        ("measure_s", "measurement"),
    ):
        if key in durations:
            timing.append(f"{label} {durations[key]:.1f} s")
    steps = durations.get("generate_steps_s") or {}
    if steps:
        timing.append(
            "(" + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()) + ")"
        )
    load = durations.get("load_average") or {}
    if load.get("before") is not None:
        timing.append(
            f"load average {load['before']:.2f} → {load['after']:.2f} on {os.cpu_count()} CPUs"
        )
    parts.append("; ".join(timing))
    return "\n".join(parts)


def git_commit() -> str | None:
    """The checked-out commit, read from .git without running git."""
    git = BASE_DIR / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = Path(git.read_text().split(":", 1)[1].strip())
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        loose = git / ref
        if loose.exists():
            return loose.read_text().strip()
        common = git / "commondir"
        base = (git / common.read_text().strip()) if common.exists() else git
        for candidate in (base / ref, base / "packed-refs"):
            if candidate.name == "packed-refs" and candidate.exists():
                for line in candidate.read_text().splitlines():
                    if line.endswith(f" {ref}"):
                        return line.split(" ", 1)[0]
            elif candidate.exists():
                return candidate.read_text().strip()
    except (OSError, IndexError):
        return None
    return None


def to_json(outcome: BenchOutcome, *, quick: bool) -> dict[str, Any]:
    import django
    import wagtail

    def run_json(run_result: ScaleRun) -> dict[str, Any]:
        return {
            "scale": asdict(run_result.scale),
            "database": run_result.database,
            "reused_database": run_result.reused_database,
            "durations": run_result.durations,
            "counts": run_result.counts,
            "cast": run_result.cast,
            "requests": [asdict(result) | {"ok": result.ok} for result in run_result.requests],
            "targets": [asdict(target) for target in run_result.targets],
            "passed": run_result.passed,
        }

    return {
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "database_vendor": outcome.runs[0].database["vendor"] if outcome.runs else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "cpu_count": os.cpu_count(),
        "quick": quick,
        "runs": [run_json(run_result) for run_result in outcome.runs],
        "query_comparison": outcome.comparison,
        "passed": outcome.passed,
    }


def write_json(outcome: BenchOutcome, *, output: str | Path | None, quick: bool) -> Path:
    """Write to `output` if it names a .json file, else into that directory (default
    bench/results/) as bench-<timestamp>.json."""
    target = Path(output) if output else RESULTS_DIR
    if target.suffix != ".json":
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        target = target / f"bench-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(to_json(outcome, quick=quick), indent=2, ensure_ascii=False))
    return target
