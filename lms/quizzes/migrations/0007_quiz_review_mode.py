"""Quiz.review replaces the "answers at end" flag of the django-quiz-app heritage.

Ticked became "on the result page only", unticked "after each question"; going back,
every mode but "after each question" ticks the flag again.
"""

from django.db import migrations, models


def flag_to_mode(apps, schema_editor):
    Quiz = apps.get_model("quizzes", "Quiz")
    Quiz.objects.filter(answers_at_end=True).update(review="at_end")
    Quiz.objects.filter(answers_at_end=False).update(review="after_each")


def mode_to_flag(apps, schema_editor):
    Quiz = apps.get_model("quizzes", "Quiz")
    Quiz.objects.update(answers_at_end=True)
    Quiz.objects.filter(review="after_each").update(answers_at_end=False)


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0006_sitting_answer_snapshot"),
    ]

    operations = [
        migrations.AddField(
            model_name="quiz",
            name="review",
            field=models.CharField(
                choices=[
                    ("after_each", "After each question and on the result page"),
                    ("at_end", "On the result page only"),
                    ("once_passed", "On the result page, once the learner has passed"),
                    ("never", "Never (exam: the learner sees the score only)"),
                ],
                default="after_each",
                help_text=(
                    "When learners see the right answers and explanations. They always see "
                    "their own answers and the trainers' comments on their written answers."
                ),
                max_length=20,
                verbose_name="show right answers",
            ),
        ),
        migrations.RunPython(flag_to_mode, mode_to_flag),
        migrations.RemoveField(model_name="quiz", name="answers_at_end"),
    ]
