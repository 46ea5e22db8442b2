"""The registry of evidence metrics: what a stage criterion can measure.

A metric is one function, registered with one line:

    @metric("managers_linkedin", needs_track=True, percent=True, label=_("…"))
    def managers_completed_track(context, track): ...

It returns {department id: value} for all departments at once (a percentage or a count).
A criterion names its metric by key (the key is stored, so keep it once used) and, where
the metric needs one, its track by foreign key, so renaming a track changes no evidence.
The metrics themselves live in lms/rollout/metrics.py; this module knows no models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

MetricFunction = Callable[[Any, Any], dict[int, int]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: Promise | str
    compute: MetricFunction
    needs_track: bool = False
    percent: bool = False
    # With a track: the label the board shows, "%(track)s" standing for the track's name.
    track_label: Promise | str | None = None

    def label_for(self, track=None) -> str:
        if track is not None and self.track_label:
            return str(self.track_label) % {"track": track.name}
        return str(self.label)


REGISTRY: dict[str, Metric] = {}


def metric(
    key: str,
    *,
    label: Promise | str,
    needs_track: bool = False,
    percent: bool = False,
    track_label: Promise | str | None = None,
) -> Callable[[MetricFunction], MetricFunction]:
    """Register the decorated function as the metric `key`."""

    def register(compute: MetricFunction) -> MetricFunction:
        if key in REGISTRY:
            raise ValueError(f"The metric {key!r} is registered twice.")
        REGISTRY[key] = Metric(
            key=key,
            label=label,
            compute=compute,
            needs_track=needs_track,
            percent=percent,
            track_label=track_label,
        )
        return compute

    return register


def get(key: str) -> Metric | None:
    return REGISTRY.get(key)


def metric_choices() -> list[tuple[str, Promise | str]]:
    """The choices of Criterion.metric (a callable: a new metric needs no migration)."""
    return [(entry.key, entry.label) for entry in REGISTRY.values()]
