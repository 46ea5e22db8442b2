"""A synthetic company at scale, and in-process timings of the requests that matter.

`python manage.py bench` (see lms/demo/management/commands/bench.py) calls these
functions. The package has one module per step:

- `company`: the scale (everything follows from the headcount) and the fixed names
  of the measured people and pages;
- `database`: the throwaway database the bench runs in (bench/bench.sqlite3, or
  `<name>_bench` on a server given with --database-url) and the switch to it;
- `generation`: the company, written in bulk;
- `measurement`: the key requests through Django's test client, their timings,
  queries and targets;
- `cold`: the first request of each page in a fresh process;
- `runner`: one run, scale by scale;
- `report`: the printed tables and the JSON file;
- `domain`: the one module that imports the LMS apps' models and services.
"""

from lms.demo.bench.company import Scale
from lms.demo.bench.database import BenchDatabase, bench_database, use_database
from lms.demo.bench.generation import generate
from lms.demo.bench.measurement import check_targets, measure
from lms.demo.bench.report import format_comparison, format_summary, format_table, write_json
from lms.demo.bench.runner import CACHE_MODES, BenchOutcome, cache_layout, run

__all__ = [
    "CACHE_MODES",
    "BenchDatabase",
    "BenchOutcome",
    "Scale",
    "bench_database",
    "cache_layout",
    "check_targets",
    "format_comparison",
    "format_summary",
    "format_table",
    "generate",
    "measure",
    "run",
    "use_database",
    "write_json",
]
