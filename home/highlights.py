"""What the home page shows everyone: the latest success stories and the award.

Nothing here is computed in the reader's request. The stories, the winner, the period
and who takes part change rarely: they are cached and forgotten when a story, a period
or the rules change (home/signals.py). The three leaders change with every completion
in a busy week: they are read in each request, one query on the points every write
keeps per person (lms/award/points.py), so a new point shows at the next page view and
no request rebuilds the rest because someone else finished a module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from lms.award.models import AwardPeriod, AwardSettings
from lms.award.selectors import LeaderboardEntry, current_period, latest_winner, leaderboard
from lms.core.caching import VersionedCache
from lms.stories.selectors import latest_stories


class HighlightsCache(VersionedCache):
    def forget(self, *args, **kwargs) -> None:
        """Drop the highlights (a signal receiver); again after the commit, since a read
        in between may have cached the uncommitted state."""
        self.bump()
        transaction.on_commit(self.bump)


home_page = HighlightsCache("home-highlights", timeout=60 * 60)


@dataclass(frozen=True)
class HomeHighlights:
    stories: list
    award_winner: AwardPeriod | None
    award_period: AwardPeriod | None
    award_leaders: list[LeaderboardEntry]


@dataclass(frozen=True)
class _Settled:
    """The part that changes only with stories, periods and rules."""

    stories: list
    award_winner: AwardPeriod | None
    award_period: AwardPeriod | None
    eligible: list[int]


def home_highlights(*, today: date | None = None) -> HomeHighlights:
    today = today or timezone.localdate()

    def compute() -> _Settled:
        settings = AwardSettings.load()
        return _Settled(
            stories=list(latest_stories().defer("body")),
            award_winner=latest_winner(),
            award_period=current_period(today=today, length=settings.period_length),
            eligible=list(settings.eligible_departments.values_list("pk", flat=True)),
        )

    settled = home_page.get_or_compute(today.isoformat(), compute)
    period = settled.award_period
    return HomeHighlights(
        stories=settled.stories,
        award_winner=settled.award_winner,
        award_period=period,
        award_leaders=(
            leaderboard(period=period, limit=3, eligible=settled.eligible) if period else []
        ),
    )
