"""The load test's options, schedule and report: think-time parsing, the defaults of a run,
peak concurrency, p50/p95/p99 per request kind and the p95 verdict. In-process; nothing here
starts gunicorn, touches PostgreSQL or sleeps."""

import argparse
import json
import math
import os
import re

import pytest

from loadtest import orchestration, report, run
from loadtest.client import Recorder
from loadtest.options import P95_TARGET_MS, LoadTestError, Pause, ThinkTimes, make_config, pause


class TestPause:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [("3-8", Pause(3, 8)), ("3:8", Pause(3, 8)), ("1.5-3", Pause(1.5, 3)), ("2", Pause(2, 2))],
    )
    def test_parses(self, text, expected):
        assert pause(text) == expected

    @pytest.mark.parametrize("text", ["8-3", "x", "-1", "1-", "0-61", "", "3-8-9"])
    def test_refuses(self, text):
        with pytest.raises(argparse.ArgumentTypeError):
            pause(text)


def config(argv=()):
    return make_config(run.parse_args(list(argv)))


class TestDefaults:
    def test_a_run_is_300_learners_logging_in_with_think_times_within_90_s(self):
        defaults = config()
        assert defaults.users == 300
        assert defaults.duration == 90
        assert defaults.login is True
        assert 0 < defaults.ramp_up < defaults.duration
        assert defaults.think == ThinkTimes()
        assert defaults.think.read == Pause(3, 8)
        assert defaults.reuse_database is False

    def test_options(self):
        chosen = config(["--logged-in", "--read", "5-10", "--answer", "1", "--ramp-up", "30"])
        assert chosen.login is False
        assert chosen.think.read == Pause(5, 10)
        assert chosen.think.answer == Pause(1, 1)
        assert chosen.ramp_up == 30

    def test_no_think(self):
        assert config(["--no-think"]).think == ThinkTimes.none()

    def test_ramp_up_must_end_before_the_load(self):
        with pytest.raises(LoadTestError):
            config(["--ramp-up", "90"])

    def test_main_refuses_a_bad_pause(self, capsys):
        with pytest.raises(SystemExit):
            run.main(["--read", "8-3"])
        assert "is not a pause" in capsys.readouterr().err


class TestPeakConcurrency:
    @pytest.mark.parametrize(
        ("intervals", "peak"),
        [
            ([], 0),
            ([(0, 10)], 1),
            ([(0, 10), (5, 15), (6, 7)], 3),
            ([(0, 5), (5, 10)], 1),  # one ends as the next starts
            ([(0, 1), (2, 3), (4, 5)], 1),
            ([(0, 10)] * 300, 300),
        ],
    )
    def test_peak(self, intervals, peak):
        assert report.peak_concurrency(intervals) == peak


class TestLatencyTable:
    def test_percentiles_per_kind_in_flow_order(self):
        latencies = {
            "quiz_answer": [n / 1000 for n in range(1, 201)],
            "login": [0.4] * 10,
            "extra": [0.001],
        }
        table = report.latency_table(latencies)
        assert list(table) == ["login", "quiz_answer", "extra"]
        answer = table["quiz_answer"]
        assert answer == {
            "count": 200,
            "p50_ms": 100.0,
            "p95_ms": 190.0,
            "p99_ms": 198.0,
            "max_ms": 200.0,
        }
        assert table["login"]["p99_ms"] == 400.0

    def test_no_values_no_row(self):
        assert report.latency_table({"login": []}) == {}


def row(p95):
    return {"count": 1, "p50_ms": p95, "p95_ms": p95, "p99_ms": p95, "max_ms": p95}


class TestVerdict:
    def test_met_when_every_kind_is_at_or_below_the_target(self):
        verdict = report.latency_verdict({"login": row(P95_TARGET_MS), "module": row(20.0)})
        assert verdict["met"] is True
        assert verdict["missed"] == {}
        assert verdict["met_by"] == ["login", "module"]
        assert report.verdict_line(verdict).endswith(": MET")

    def test_the_login_counts_like_any_other_request(self):
        verdict = report.latency_verdict(
            {"login_page": row(12.0), "login": row(812.5), "dashboard": row(301.0)}
        )
        assert verdict["met"] is False
        assert verdict["missed"] == {"login": 812.5, "dashboard": 301.0}
        assert verdict["met_by"] == ["login_page"]
        line = report.verdict_line(verdict)
        assert "NOT MET" in line
        assert "login p95 812.5 ms" in line and "dashboard p95 301 ms" in line

    def test_no_requests_is_not_met(self):
        verdict = report.latency_verdict({})
        assert verdict["met"] is False
        assert "no request was answered" in report.verdict_line(verdict)

    def test_another_target(self):
        assert report.latency_verdict({"module": row(150.0)}, target_ms=100)["missed"] == {
            "module": 150.0
        }


def recorded() -> Recorder:
    recorder = Recorder()
    recorder.load_started = 100.0
    recorder.load_ended = 190.0
    recorder.first_start = 100.0
    recorder.last_end = 180.0
    recorder.requests = 40
    recorder.latencies = {"login": [0.5] * 20, "module": [0.05] * 20}
    recorder.statuses.update({"login 302": 20, "module 200": 20})
    recorder.sessions = {
        "a": [100.0, 150.0],
        "b": [120.0, 180.0],
        "c": [130.0, math.inf],  # still running when the load ended
    }
    recorder.finished = {"a", "b"}
    recorder.out_of_time = {"c"}
    recorder.accepted = {("a", 1), ("b", 1)}
    return recorder


class TestSummary:
    def summary(self, errors=()):
        recorder = recorded()
        recorder.errors = list(errors)
        comparison = report.compare_answers(recorder.accepted, {("a", 1): 1, ("b", 1): 1})
        return report.summarize(
            config(), recorder, comparison, {"sittings": 2, "complete": 2}, users=3
        )

    def test_summary(self):
        summary = self.summary()
        assert summary["learners"]["peak_concurrent"] == 3
        assert summary["learners"]["last_stopped_after_s"] == 80.0
        assert summary["learners"]["session_s_p50"] == 60.0
        assert summary["learners"]["stopped_by_error"] == 0
        assert summary["throughput_rps"] == 0.5
        assert summary["config"]["login"] == "login form"
        assert summary["config"]["think_s"]["read"] == [3.0, 8.0]
        assert summary["latency"]["login"]["p99_ms"] == 500.0
        assert summary["latency_verdict"]["missed"] == {"login": 500.0}
        # The latency verdict is reported; passing means no errors and no lost answers.
        assert summary["passed"] is True
        json.dumps(summary)

    def test_an_error_fails_the_run(self):
        error = {"user": "c", "kind": "module", "url": "/", "reason": "HTTP 500", "at": 0}
        summary = self.summary([error])
        assert summary["passed"] is False
        assert summary["error_reasons"] == {"module: HTTP 500": 1}

    def test_printed(self, capsys):
        summary = self.summary()
        summary["machine"] = {
            "cpus": 2,
            "load_before": [1.5, 1.0, 0.5],
            "load_after": [3.25, 2.0, 1.0],
            "cpu_busy_percent": 87.4,
            "server_cpu_s": 101.2,
            "client_cpu_s": 9.8,
            "password_hash_ms": 251.0,
        }
        report.print_summary(summary)
        out = capsys.readouterr().out
        assert "3 at once at the peak" in out
        assert "load average 1.50 before and 3.25 after" in out
        assert "PBKDF2 hash of the password costs 251 ms of CPU" in out
        assert re.search(r"login\s+20\s+500\.0\s+500\.0\s+500\.0\s+500\.0\s+NO", out)
        assert re.search(r"module\s+20\s+50\.0\s+50\.0\s+50\.0\s+50\.0\s+yes", out)
        assert "NOT MET, missed by login p95 500 ms" in out
        assert out.rstrip().endswith("PASSED: no errors, no lost answers")
        assert "WARNING" not in out

    def test_warns_when_the_machine_was_busy_before(self, capsys):
        summary = self.summary()
        summary["machine"] = {
            "cpus": 2,
            "load_before": [8.56, 9.0, 8.0],
            "load_after": [24.75, 12.0, 9.0],
            "cpu_busy_percent": 100.0,
            "server_cpu_s": 29.9,
            "client_cpu_s": 1.0,
            "password_hash_ms": 240.0,
        }
        assert report.machine_was_busy(summary["machine"])
        report.print_summary(summary)
        out = capsys.readouterr().out
        assert "WARNING: the machine was busy before the load (load average 8.56 on 2 CPUs)" in out
        assert "gunicorn got 29.9 CPU s of the 160 there were" in out


class TestMeasurements:
    def test_cpu_seconds_of_this_process(self):
        before = orchestration.cpu_seconds(os.getpid())
        sum(n * n for n in range(300_000))
        assert orchestration.cpu_seconds(os.getpid()) >= before > 0

    def test_machine_ticks(self):
        busy, total = orchestration.machine_busy_ticks()
        assert 0 < busy <= total

    def test_git_commit(self):
        assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", orchestration.git_commit())


def test_gunicorn_defaults(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    chosen = config()
    assert (chosen.workers, chosen.threads) == (2, 16)
    command = orchestration.gunicorn_command(chosen)
    assert command[command.index("--threads") + 1] == "16"


@pytest.mark.parametrize(
    ("argv", "seconds"), [((), 18), (("--no-think",), 10), (("--read", "20-30.5"), 41)]
)
def test_idle_connections_outlast_the_longest_pause(argv, seconds):
    command = orchestration.gunicorn_command(config(argv))
    assert command[command.index("--keep-alive") + 1] == str(seconds)
