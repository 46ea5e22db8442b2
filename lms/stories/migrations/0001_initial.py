"""The models move here from the rollout app; their tables and rows stay."""

import django.db.models.deletion
import wagtail.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('rollout', '0004_wagtail_imageblock'),
        ('people', '0004_admin_language_follows_account'),
        ('wagtailcore', '0098_apitoken'),
    ]

    operations = [
        # State only: the tables keep their names (db_table) and rows.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SuccessStoryIndexPage',
                    fields=[
                        ('page_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to=settings.WAGTAIL_PAGE_MODEL)),
                        ('intro', wagtail.fields.RichTextField(blank=True, verbose_name='introduction')),
                    ],
                    options={
                        'verbose_name': 'success stories',
                        'db_table': 'rollout_successstoryindexpage',
                    },
                    bases=('wagtailcore.page',),
                ),
                migrations.CreateModel(
                    name='SuccessStoryPage',
                    fields=[
                        ('page_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to=settings.WAGTAIL_PAGE_MODEL)),
                        ('teaser', models.CharField(max_length=300, verbose_name='teaser')),
                        ('body', wagtail.fields.StreamField([('heading', 2), ('paragraph', 3), ('image', 7), ('video', 9), ('callout', 13), ('do_dont', 18), ('checklist', 21), ('example_post', 25), ('document', 28)], blank=True, block_lookup={0: ('wagtail.blocks.CharBlock', (), {'label': 'Text', 'max_length': 200}), 1: ('wagtail.blocks.ChoiceBlock', [], {'choices': [('h2', 'Section heading'), ('h3', 'Sub-heading')], 'label': 'Level'}), 2: ('wagtail.blocks.StructBlock', [[('text', 0), ('level', 1)]], {}), 3: ('wagtail.blocks.RichTextBlock', (), {'features': ['bold', 'italic', 'link', 'ol', 'ul', 'document-link'], 'icon': 'pilcrow', 'label': 'Rich text'}), 4: ('wagtail.images.blocks.ImageChooserBlock', (), {'label': 'Image'}), 5: ('wagtail.blocks.CharBlock', (), {'help_text': 'Describe the image for people who cannot see it. Leave empty if decorative.', 'label': 'Alternative text', 'required': False}), 6: ('wagtail.blocks.CharBlock', (), {'label': 'Caption', 'required': False}), 7: ('wagtail.blocks.StructBlock', [[('image', 4), ('alt_text', 5), ('caption', 6)]], {}), 8: ('wagtail.embeds.blocks.EmbedBlock', (), {'help_text': 'A YouTube, Vimeo or intranet video URL.', 'label': 'Video URL'}), 9: ('wagtail.blocks.StructBlock', [[('video', 8), ('caption', 6)]], {}), 10: ('wagtail.blocks.ChoiceBlock', [], {'choices': [('tip', 'Tip'), ('info', 'Information'), ('warning', 'Warning')], 'label': 'Kind'}), 11: ('wagtail.blocks.CharBlock', (), {'label': 'Title', 'max_length': 120}), 12: ('wagtail.blocks.RichTextBlock', (), {'features': ['bold', 'italic', 'link', 'ol', 'ul', 'document-link'], 'label': 'Text'}), 13: ('wagtail.blocks.StructBlock', [[('kind', 10), ('title', 11), ('text', 12)]], {}), 14: ('wagtail.blocks.CharBlock', (), {'label': 'Do'}), 15: ('wagtail.blocks.ListBlock', (14,), {'label': 'Do'}), 16: ('wagtail.blocks.CharBlock', (), {'label': "Don't"}), 17: ('wagtail.blocks.ListBlock', (16,), {'label': "Don't"}), 18: ('wagtail.blocks.StructBlock', [[('dos', 15), ('donts', 17)]], {}), 19: ('wagtail.blocks.CharBlock', (), {'label': 'Item'}), 20: ('wagtail.blocks.ListBlock', (19,), {'label': 'Items'}), 21: ('wagtail.blocks.StructBlock', [[('title', 11), ('items', 20)]], {}), 22: ('wagtail.blocks.ChoiceBlock', [], {'choices': [('linkedin', 'LinkedIn'), ('xing', 'XING'), ('instagram', 'Instagram'), ('facebook', 'Facebook')], 'label': 'Network'}), 23: ('wagtail.blocks.CharBlock', (), {'label': 'Author', 'max_length': 120}), 24: ('wagtail.blocks.TextBlock', (), {'label': 'Post text'}), 25: ('wagtail.blocks.StructBlock', [[('network', 22), ('author', 23), ('text', 24)]], {}), 26: ('wagtail.documents.blocks.DocumentChooserBlock', (), {'label': 'Document'}), 27: ('wagtail.blocks.CharBlock', (), {'label': 'Description', 'required': False}), 28: ('wagtail.blocks.StructBlock', [[('document', 26), ('description', 27)]], {})}, verbose_name='story')),
                        ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='success_stories', to='people.department', verbose_name='department')),
                    ],
                    options={
                        'verbose_name': 'success story',
                        'verbose_name_plural': 'success stories',
                        'db_table': 'rollout_successstorypage',
                    },
                    bases=('wagtailcore.page',),
                ),
            ],
            database_operations=[],
        ),
    ]
