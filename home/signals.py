"""The cached part of the home page's highlights (home/highlights.py) is forgotten when a
story is published, withdrawn or moved, a period or winner is saved, or the award's rules
or departments change; the leaders are read fresh in every request."""

from django.db.models.signals import m2m_changed
from wagtail.signals import page_unpublished, post_page_move

from home.highlights import home_page
from lms.award.models import AwardPeriod, AwardSettings
from lms.core.caching import on_writes
from lms.stories.models import SuccessStoryPage


def home_changed(sender, created=False, **kwargs):
    # Wagtail creates the settings row with its defaults on first read: no change.
    if not (sender is AwardSettings and created):
        home_page.forget()


on_writes(home_changed, SuccessStoryPage, AwardPeriod, AwardSettings, uid="home-highlights")
on_writes(
    home_page.forget,
    SuccessStoryPage,
    uid="home-highlights-story",
    signals=(page_unpublished, post_page_move),
)


def award_departments_changed(sender=None, **kwargs):
    home_page.forget()


# The award's eligible departments are saved after its settings row.
m2m_changed.connect(
    award_departments_changed,
    sender=AwardSettings.eligible_departments.through,
    dispatch_uid="home-highlights-award-departments",
)
