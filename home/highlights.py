"""What the home page shows everyone: the latest success stories and the award.

Nothing here is computed in the reader's request: the award leaders are read from the
points every write keeps per person (lms/award/points.py), the stories and the winner
are a few rows. The assembled highlights are cached under the award's data version and
forgotten when a story, a period or the rules change (home/signals.py), so a new point
shows at the next page view and a fresh process pays a few small queries, not a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from lms.award.cache import data_version as award_version
from lms.award.models import AwardPeriod
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


def home_highlights(*, today: date | None = None) -> HomeHighlights:
    today = today or timezone.localdate()

    def compute() -> HomeHighlights:
        period = current_period(today=today)
        return HomeHighlights(
            stories=list(latest_stories().defer("body")),
            award_winner=latest_winner(),
            award_period=period,
            award_leaders=leaderboard(period=period, limit=3) if period else [],
        )

    return home_page.get_or_compute(f"{today.isoformat()}:a{award_version()}", compute)
