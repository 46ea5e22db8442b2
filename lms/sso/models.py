from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalIdentity(models.Model):
    """A person's account at the company's OpenID provider: its issuer and stable subject id.

    Sign-in finds people by this pair, never by e-mail alone (an address can change hands).
    One identity per person and issuer; the pair is unique, so one directory account can
    never reach two people.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="external_identities",
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    linked_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        verbose_name = _("company sign-in identity")
        verbose_name_plural = _("company sign-in identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique"),
            models.UniqueConstraint(fields=["issuer", "user"], name="sso_one_identity_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"
