from django.db import migrations


def forget_cached_embeds(apps, schema_editor):
    """Embeds found earlier by oEmbed carry www.youtube.com players and other hosts' HTML,
    which the site's CSP no longer allows. The table is only a cache of finder results:
    the stored pages keep their video URLs, and lms.embeds.IntranetVideoFinder builds
    each embed again, without an outside call, the next time a page shows it."""
    apps.get_model("wagtailembeds", "Embed").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0011_workshopsession_cancellation_and_seat_rules"),
        ("wagtailembeds", "0009_embed_cache_until"),
    ]

    operations = [migrations.RunPython(forget_cached_embeds, migrations.RunPython.noop)]
