from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentVersion(models.Model):
    """One row: a token that changes with every write of the course content (pages,
    tracks, quizzes, sessions, images), in the same transaction as the write.

    A process may keep what it built from the content in its own memory under this token,
    as long as it reads the token inside a query the page makes anyway
    (lms/core/content_version.py). A random token, not a counter: a rolled-back change
    never brings an old value back."""

    token = models.BigIntegerField(_("token"), default=0)

    class Meta:
        verbose_name = _("content version")
        verbose_name_plural = _("content versions")

    def __str__(self) -> str:
        return str(self.token)
