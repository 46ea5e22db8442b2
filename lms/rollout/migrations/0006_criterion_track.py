"""Evidence names its track by foreign key, not by slug.

The board used the tracks with the slugs "linkedin-leaders" (managers' share) and
"social-selling" (urgency workshop) by name; existing criteria get those tracks. Where a
track with that slug does not exist, the criterion stays without one and the board says
"no track chosen" (a fresh database: the demo seed links its tracks).
"""

import django.db.models.deletion
from django.db import migrations, models

import lms.rollout.registry

# The slugs lms/rollout/selectors.py used until now, per metric.
TRACK_SLUGS = {"managers_linkedin": "linkedin-leaders", "urgency_workshop": "social-selling"}


def link_tracks(apps, schema_editor):
    Criterion = apps.get_model("rollout", "Criterion")
    Track = apps.get_model("courses", "Track")
    db = schema_editor.connection.alias
    for metric, slug in TRACK_SLUGS.items():
        track = Track.objects.using(db).filter(slug=slug).first()
        if track is not None:
            Criterion.objects.using(db).filter(metric=metric, track__isnull=True).update(
                track=track
            )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0012_rebuild_video_embeds_without_oembed"),
        ("rollout", "0005_award_and_stories_leave_rollout"),
    ]

    operations = [
        migrations.AddField(
            model_name="criterion",
            name="track",
            field=models.ForeignKey(
                blank=True,
                help_text="The track whose courses or workshops count, for evidence that needs one.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rollout_criteria",
                to="courses.track",
                verbose_name="track",
            ),
        ),
        migrations.AlterField(
            model_name="criterion",
            name="metric",
            field=models.CharField(
                blank=True,
                choices=lms.rollout.registry.metric_choices,
                max_length=40,
                verbose_name="evidence",
            ),
        ),
        migrations.RunPython(link_tracks, migrations.RunPython.noop),
    ]
