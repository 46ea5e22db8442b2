"""Wagtail profiles made before the admin followed the account language get that language.

Until now the admin language was set on its own in Wagtail's account settings; from now on
User.language is the one language of a person (see lms/people/services.py).
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_account_language(apps, schema_editor):
    User = apps.get_model("people", "User")
    UserProfile = apps.get_model("wagtailusers", "UserProfile")
    account_language = Subquery(User.objects.filter(pk=OuterRef("user_id")).values("language")[:1])
    UserProfile.objects.update(preferred_language=account_language)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_user_language"),
        ("wagtailusers", "0015_userprofile_keyboard_shortcuts"),
    ]

    operations = [migrations.RunPython(copy_account_language, migrations.RunPython.noop)]
