"""A chosen answer option and a category with records can no longer be deleted.

SittingAnswer.chosen_answers gets an explicit through model, ChosenAnswer, whose
`answer` is PROTECT. It lives in the table the plain many-to-many field created
(same table, same columns, same unique constraint), so only Django's state changes
and every existing chosen answer stays where it is, on SQLite and PostgreSQL alike.
The database's foreign keys already refuse deleting a referenced row.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0004_archive_instead_of_delete"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ChosenAnswer",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "answer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="quizzes.answer",
                            ),
                        ),
                        (
                            "sittinganswer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="quizzes.sittinganswer",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "chosen answer",
                        "verbose_name_plural": "chosen answers",
                        "db_table": "quizzes_sittinganswer_chosen_answers",
                        "unique_together": {("sittinganswer", "answer")},
                    },
                ),
                migrations.AlterField(
                    model_name="sittinganswer",
                    name="chosen_answers",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        through="quizzes.ChosenAnswer",
                        to="quizzes.answer",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelOptions(
            name="categoryprogress",
            options={"verbose_name": "quiz progress", "verbose_name_plural": "quiz progress"},
        ),
        migrations.AlterField(
            model_name="categoryprogress",
            name="category",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="progress",
                to="quizzes.category",
            ),
        ),
        migrations.AlterField(
            model_name="question",
            name="category",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="questions",
                to="quizzes.category",
                verbose_name="category",
            ),
        ),
        migrations.AlterField(
            model_name="quiz",
            name="category",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="quizzes",
                to="quizzes.category",
                verbose_name="category",
            ),
        ),
        migrations.AlterField(
            model_name="quiz",
            name="question_pool",
            field=models.ForeignKey(
                blank=True,
                help_text=(
                    "Each attempt draws its questions at random from this category's question "
                    "bank instead of the list below (limit them with “questions per attempt”)."
                ),
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="quizzes.category",
                verbose_name="draw questions from category",
            ),
        ),
    ]
