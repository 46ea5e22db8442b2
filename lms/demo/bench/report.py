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

from lms.demo.bench.measurement import GROWTH_LIMIT
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
        f"Cache: {run_result.cache_label}",
        f"{'request':<17} {'method':<6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'queries':>7} {'× floor':>7} {'cold ×':>7}  targets",
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
            f"{_number(result.p95_ms):>8} {_number(result.p99_ms):>8} "
            f"{result.queries if result.queries is not None else '–':>7} "
            f"{_number(result.ratio_to_floor, 2):>7} {_number(result.cold_ratio, 2):>7}  {mark}"
        )
    lines.append("")
    for result in run_result.requests:
        lines.append(f"  {result.name:<17} {result.method} {result.path} — {result.label}")
    lines.append(
        "  (× floor: p50 against the learner floor's p50 in the same rounds; cold ×: the first "
        "request of a fresh process against the same request warm there)"
    )
    by_name = {result.name: result for result in run_result.requests}
    floor, anonymous = by_name.get("floor"), by_name.get("floor_anonymous")
    if floor and anonymous and floor.p50_ms and anonymous.p50_ms:
        lines.append(
            f"  Learner floor p50 {floor.p50_ms:.1f} ms, {floor.queries} queries; anonymous floor "
            f"p50 {anonymous.p50_ms:.1f} ms, {anonymous.queries} queries."
        )
    collected = [result for result in run_result.requests if result.gc_ms >= 0.5]
    lines.append(
        "  Garbage collection in the timed runs (part of their time): "
        + (
            ", ".join(
                f"{result.name} {result.gc_ms:.0f} ms ({result.gc_full_collections} full)"
                for result in collected
            )
            if collected
            else "none"
        )
        + f"; {sum(result.gc_ms for result in run_result.requests):.0f} ms of CPU in all"
        " (all generations; a full collection is one of the oldest)."
    )
    for result in run_result.requests:
        if result.kind == "export" and result.ok:
            lines.append(
                f"  {result.name}: {result.rows or 0:,} rows, "
                f"{'streamed' if result.streaming else 'NOT streamed'}, first byte p50 "
                f"{_number(result.first_byte_p50_ms)} / p95 {_number(result.first_byte_p95_ms)} ms, "
                f"{_number(result.rows_per_s, 0)} rows/s, peak memory "
                f"{_number(result.peak_memory_kb, 0)} KB"
            )
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
        "By scale: queries per request (must not depend on the amount of data) and p50 ms, "
        f"growth ≤ {GROWTH_LIMIT}× from the smallest to the largest (whole-company exports excepted):",
        f"{'request':<17} "
        + " ".join(f"{size + ' q':>9}" for size in sizes)
        + " "
        + " ".join(f"{size + ' ms':>10}" for size in sizes)
        + f" {'growth':>7}",
    ]
    for row in outcome.comparison or []:
        counts = " ".join(f"{_number(row['queries'][size], 0):>9}" for size in sizes)
        times = " ".join(f"{_number(row['p50_ms'][size]):>10}" for size in sizes)
        verdict = "same" if row["same"] else "DIFFERS"
        if row["growth_judged"]:
            verdict += ", growth ok" if row["growth_ok"] else ", GROWS"
        lines.append(
            f"{row['request']:<17} {counts} {times} {_number(row['growth'], 2):>7}  {verdict}"
        )
    return "\n".join(lines)


def format_summary(run_result: ScaleRun) -> str:
    durations = run_result.durations
    counts = run_result.counts
    parts = [
        f"{run_result.scale.employees:,} employees on {run_result.database['vendor']} "
        f"({run_result.database['name']}), cache {run_result.cache}",
        ", ".join(f"{name} {count:,}" for name, count in counts.items()),
    ]
    timing = []
    if run_result.reused_database:
        timing.append("database reused")
    for key, label in (
        ("migrate_s", "migrate"),
        ("generate_s", "generation"),
        ("measure_s", "measurement"),
        ("cold_s", "fresh processes"),
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
            "cache": run_result.cache,
            "cache_label": run_result.cache_label,
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
        "machine": platform.machine(),
        "load_average": _load_averages(),
        "cache": outcome.runs[0].cache if outcome.runs else None,
        "quick": quick,
        "runs": [run_json(run_result) for run_result in outcome.runs],
        "query_comparison": outcome.comparison,
        "passed": outcome.passed,
    }


def _load_averages() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


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
