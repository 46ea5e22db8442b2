"""Workshops get their own app: the models move here from courses, their rows stay.

The tables keep their names (db_table), so this migration changes only Django's idea of
where the models live (SeparateDatabaseAndState: created here in the state, deleted from
courses in courses 0013, nothing done in the database). The content types of the four
models are renamed from courses to workshops rather than created anew, so every page,
revision, permission and log entry keeps pointing at the same row.
"""

import django.db.models.deletion
import django.utils.timezone
import modelcluster.fields
import wagtail.fields
from django.conf import settings
from django.db import migrations, models

MOVED_MODELS = ("workshopindexpage", "workshoppage", "workshopsession", "booking")


def _rename_content_types(apps, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    for model in MOVED_MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue  # a database without the row yet: it is created under `target` later
        stale = ContentType.objects.filter(app_label=target, model=model).first()
        if stale is not None:
            # Created by an earlier run of newer code; the old row is the one in use.
            if Page.objects.filter(content_type=stale).exists():
                raise RuntimeError(
                    f"Both {source}.{model} and {target}.{model} content types have pages; "
                    "merge them by hand before migrating."
                )
            stale.delete()  # with its permissions, which the renamed row has as well
        old.app_label = target
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _rename_content_types(apps, source="courses", target="workshops")


def backwards(apps, schema_editor):
    _rename_content_types(apps, source="workshops", target="courses")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0013_wagtail_imageblock"),
        ("people", "0004_admin_language_follows_account"),
        ("wagtailcore", "0098_apitoken"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='WorkshopIndexPage',
                    fields=[
                        ('page_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to=settings.WAGTAIL_PAGE_MODEL)),
                        ('intro', wagtail.fields.RichTextField(blank=True, verbose_name='introduction')),
                    ],
                    options={
                        'verbose_name': 'workshop index',
                        'db_table': 'courses_workshopindexpage',
                    },
                    bases=('wagtailcore.page',),
                ),
                migrations.CreateModel(
                    name='WorkshopPage',
                    fields=[
                        ('page_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to=settings.WAGTAIL_PAGE_MODEL)),
                        ('summary', models.TextField(max_length=600, verbose_name='summary')),
                        ('body', wagtail.fields.StreamField([('heading', 2), ('paragraph', 3), ('image', 7), ('video', 9), ('callout', 13), ('do_dont', 18), ('checklist', 21), ('example_post', 25), ('document', 28)], blank=True, block_lookup={0: ('wagtail.blocks.CharBlock', (), {'label': 'Text', 'max_length': 200}), 1: ('wagtail.blocks.ChoiceBlock', [], {'choices': [('h2', 'Section heading'), ('h3', 'Sub-heading')], 'label': 'Level'}), 2: ('wagtail.blocks.StructBlock', [[('text', 0), ('level', 1)]], {}), 3: ('wagtail.blocks.RichTextBlock', (), {'features': ['bold', 'italic', 'link', 'ol', 'ul', 'document-link'], 'icon': 'pilcrow', 'label': 'Rich text'}), 4: ('wagtail.images.blocks.ImageChooserBlock', (), {'label': 'Image'}), 5: ('wagtail.blocks.CharBlock', (), {'help_text': 'Describe the image for people who cannot see it. Leave empty if decorative.', 'label': 'Alternative text', 'required': False}), 6: ('wagtail.blocks.CharBlock', (), {'label': 'Caption', 'required': False}), 7: ('wagtail.blocks.StructBlock', [[('image', 4), ('alt_text', 5), ('caption', 6)]], {}), 8: ('wagtail.embeds.blocks.EmbedBlock', (), {'help_text': 'A YouTube, Vimeo or intranet video URL.', 'label': 'Video URL'}), 9: ('wagtail.blocks.StructBlock', [[('video', 8), ('caption', 6)]], {}), 10: ('wagtail.blocks.ChoiceBlock', [], {'choices': [('tip', 'Tip'), ('info', 'Information'), ('warning', 'Warning')], 'label': 'Kind'}), 11: ('wagtail.blocks.CharBlock', (), {'label': 'Title', 'max_length': 120}), 12: ('wagtail.blocks.RichTextBlock', (), {'features': ['bold', 'italic', 'link', 'ol', 'ul', 'document-link'], 'label': 'Text'}), 13: ('wagtail.blocks.StructBlock', [[('kind', 10), ('title', 11), ('text', 12)]], {}), 14: ('wagtail.blocks.CharBlock', (), {'label': 'Do'}), 15: ('wagtail.blocks.ListBlock', (14,), {'label': 'Do'}), 16: ('wagtail.blocks.CharBlock', (), {'label': "Don't"}), 17: ('wagtail.blocks.ListBlock', (16,), {'label': "Don't"}), 18: ('wagtail.blocks.StructBlock', [[('dos', 15), ('donts', 17)]], {}), 19: ('wagtail.blocks.CharBlock', (), {'label': 'Item'}), 20: ('wagtail.blocks.ListBlock', (19,), {'label': 'Items'}), 21: ('wagtail.blocks.StructBlock', [[('title', 11), ('items', 20)]], {}), 22: ('wagtail.blocks.ChoiceBlock', [], {'choices': [('linkedin', 'LinkedIn'), ('xing', 'XING'), ('instagram', 'Instagram'), ('facebook', 'Facebook')], 'label': 'Network'}), 23: ('wagtail.blocks.CharBlock', (), {'label': 'Author', 'max_length': 120}), 24: ('wagtail.blocks.TextBlock', (), {'label': 'Post text'}), 25: ('wagtail.blocks.StructBlock', [[('network', 22), ('author', 23), ('text', 24)]], {}), 26: ('wagtail.documents.blocks.DocumentChooserBlock', (), {'label': 'Document'}), 27: ('wagtail.blocks.CharBlock', (), {'label': 'Description', 'required': False}), 28: ('wagtail.blocks.StructBlock', [[('document', 26), ('description', 27)]], {})}, verbose_name='description')),
                        ('duration_minutes', models.PositiveIntegerField(default=180, verbose_name='duration in minutes')),
                        ('open_to_all', models.BooleanField(default=False, help_text='Otherwise only people assigned to it or in the departments below may book.', verbose_name='open to everyone')),
                        ('open_to_departments', modelcluster.fields.ParentalManyToManyField(blank=True, related_name='open_workshops', to='people.department', verbose_name='open to departments')),
                        ('preparation_modules', modelcluster.fields.ParentalManyToManyField(blank=True, help_text='Modules participants should complete before the workshop.', related_name='+', to='courses.modulepage', verbose_name='preparation modules')),
                        ('track', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='workshops', to='courses.track', verbose_name='track')),
                        ('trainer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='workshops_led', to=settings.AUTH_USER_MODEL, verbose_name='trainer')),
                    ],
                    options={
                        'verbose_name': 'workshop',
                        'verbose_name_plural': 'workshops',
                        'db_table': 'courses_workshoppage',
                    },
                    bases=('wagtailcore.page',),
                ),
                migrations.CreateModel(
                    name='WorkshopSession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('starts_at', models.DateTimeField(verbose_name='starts')),
                        ('ends_at', models.DateTimeField(verbose_name='ends')),
                        ('location', models.CharField(blank=True, max_length=200, verbose_name='location')),
                        ('online_url', models.URLField(blank=True, verbose_name='online link')),
                        ('capacity', models.PositiveIntegerField(default=12, verbose_name='seats')),
                        ('cancelled_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='cancelled at')),
                        ('cancelled_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cancelled by')),
                        ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sessions', to='workshops.workshoppage', verbose_name='workshop')),
                    ],
                    options={
                        'verbose_name': 'workshop session',
                        'verbose_name_plural': 'workshop sessions',
                        'db_table': 'courses_workshopsession',
                        'ordering': ['starts_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Booking',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('booked', 'booked'), ('waitlisted', 'on the waiting list'), ('cancelled', 'cancelled'), ('missed', 'missed')], default='booked', max_length=20, verbose_name='status')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='booked at')),
                        ('promoted_at', models.DateTimeField(blank=True, null=True, verbose_name='moved up from the waiting list')),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True, verbose_name='cancelled at')),
                        ('attended', models.BooleanField(blank=True, null=True, verbose_name='attended')),
                        ('attendance_marked_at', models.DateTimeField(blank=True, null=True)),
                        ('attendance_marked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='workshop_bookings', to=settings.AUTH_USER_MODEL, verbose_name='participant')),
                        ('workshop', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='workshops.workshoppage')),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='workshops.workshopsession', verbose_name='session')),
                    ],
                    options={
                        'verbose_name': 'booking',
                        'verbose_name_plural': 'bookings',
                        'db_table': 'courses_booking',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='workshopsession',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='session_ends_after_start', violation_error_message='A session must end after it starts.'),
                ),
                migrations.AddConstraint(
                    model_name='workshopsession',
                    constraint=models.CheckConstraint(condition=models.Q(('capacity__gte', 1)), name='session_has_a_seat', violation_error_message='A session needs at least one seat.'),
                ),
                migrations.AddIndex(
                    model_name='booking',
                    index=models.Index(fields=['session', 'status'], name='booking_session_status'),
                ),
                migrations.AddConstraint(
                    model_name='booking',
                    constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['booked', 'waitlisted'])), fields=('user', 'workshop'), name='one_active_booking_per_workshop'),
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
