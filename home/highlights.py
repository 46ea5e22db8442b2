"""What the home page shows everyone: the latest success stories and the award.

The home page is every learner's dashboard, and in a bootcamp week the award points
change with every completion: the highlights are recomputed at most once a minute, not
after every write. New, withdrawn or moved stories, an announced winner or new point
values show at once (home/signals.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from lms.award.models import AwardPeriod
from lms.award.selectors import LeaderboardEntry, current_period, latest_winner, leaderboard
from lms.core.caching import RefreshingCache
from lms.stories.selectors import latest_stories

HOME_FRESH_FOR = 60
home_page = RefreshingCache("home-highlights", fresh_for=HOME_FRESH_FOR)


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

    return home_page.get_or_compute(today.isoformat(), compute)
