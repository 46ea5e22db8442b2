"""Answers keep the question as the learner saw it; existing answers get today's version.

Answers stored before this migration have no record of what was shown, so their
snapshot is filled from the current question, its options (in the order the learner
was shown them) and the options they chose: from now on, edits no longer change
their exam papers.
"""

import random

from django.db import migrations, models


def shown_order(question, options, seed):
    # The same order lms.quizzes.selectors.ordered_answers gives (seeded by the sitting).
    options = sorted(options, key=lambda option: (option.sort_order or 0, option.pk))
    if question.answer_order == "content":
        options.sort(key=lambda option: option.content.casefold())
    elif question.answer_order == "random":
        random.Random(f"{seed}:{question.pk}").shuffle(options)
    return options


def fill_snapshots(apps, schema_editor):
    SittingAnswer = apps.get_model("quizzes", "SittingAnswer")
    Answer = apps.get_model("quizzes", "Answer")
    ChosenAnswer = apps.get_model("quizzes", "ChosenAnswer")
    db = schema_editor.connection.alias
    pending = SittingAnswer.objects.using(db).filter(snapshot={}).select_related("question")
    options_cache: dict[int, list] = {}
    batch = []
    for answer in pending.iterator(chunk_size=500):
        question = answer.question
        options = []
        if question.kind == "mc":
            if question.pk not in options_cache:
                options_cache[question.pk] = list(
                    Answer.objects.using(db).filter(question_id=question.pk)
                )
            options = shown_order(question, options_cache[question.pk], answer.sitting_id)
        chosen = sorted(
            ChosenAnswer.objects.using(db)
            .filter(sittinganswer_id=answer.pk)
            .values_list("answer_id", flat=True)
        )
        answer.snapshot = {
            "kind": question.kind,
            "question": question.content,
            "explanation": question.explanation,
            "correct_statement": question.correct_statement,
            "options": [
                {"id": option.pk, "content": option.content, "correct": option.correct}
                for option in options
            ],
            "chosen": chosen,
        }
        batch.append(answer)
        if len(batch) >= 500:
            SittingAnswer.objects.using(db).bulk_update(batch, ["snapshot"])
            batch = []
    if batch:
        SittingAnswer.objects.using(db).bulk_update(batch, ["snapshot"])


def clear_snapshots(apps, schema_editor):
    # The field is removed on the way back; nothing else to undo.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0005_chosen_answers_protected_categories_kept"),
    ]

    operations = [
        migrations.AddField(
            model_name="sittinganswer",
            name="snapshot",
            field=models.JSONField(
                blank=True, default=dict, editable=False, verbose_name="question as asked"
            ),
        ),
        migrations.RunPython(fill_snapshots, clear_snapshots),
    ]
