"""Trainers' question tables: import from CSV or Excel, export to CSV.

One row per question, with the columns ``CSV_COLUMNS``: ``key`` (optional; a question
imported with a key is updated by the next file with the same key, and an exported question
without one is named ``q<pk>``), ``type`` (mc, tf or essay), ``category`` and
``sub_category`` (names; created when missing), ``question``, ``explanation``,
``answer_order`` (none, content or random), ``correct`` (tf: true/false, wahr/falsch, 1/0; mc:
the numbers of the right answers, e.g. 1|3), ``answer_1`` … ``answer_8`` (mc only) and
``quizzes`` (slugs of existing quizzes, separated by |).

The table is read by lms.core.tabular (CSV with commas, semicolons or tabs, or .xlsx); each
row is checked by ``QuestionRowForm``, then across rows (repeated rows, the stored question's
type, answers learners chose). All problems are raised together in one QuizImportError and
nothing is stored; otherwise every row is written in one transaction. An exported file
imports again unchanged. Commands: ``manage.py quiz_questions_csv import|export``; the admin
page is ``lms.quizzes.admin_views.QuestionImportView``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO

from django import forms
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, ProtectedError, QuerySet, Value, When
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.core.exports import SafeWriter, restore_cell
from lms.core.input_safety import whole_number
from lms.core.tabular import (
    CREATE,
    UNCHANGED,
    UPDATE,
    RowChange,
    RowError,
    Table,
    TableImport,
    TableSpec,
    check_rows,
    row_totals,
)
from lms.quizzes import importing
from lms.quizzes.importing import QuizImportError
from lms.quizzes.models import Answer, ChosenAnswer, Question, Quiz, QuizQuestion

MAX_CSV_ANSWERS = 8
ANSWER_COLUMNS = [f"answer_{number}" for number in range(1, MAX_CSV_ANSWERS + 1)]
CSV_COLUMNS = [
    "key",
    "type",
    "category",
    "sub_category",
    "question",
    "explanation",
    "answer_order",
    "correct",
    *ANSWER_COLUMNS,
    "quizzes",
]
CSV_TRUE = {"true", "wahr", "1"}
CSV_FALSE = {"false", "falsch", "0"}
_KEY_OF_PK = re.compile(r"^q(\d+)$")
LIMITS = {
    "key": 96,
    "category": 250,
    "sub_category": 250,
    "question": 1000,
    "explanation": 2000,
    **dict.fromkeys(ANSWER_COLUMNS, 1000),
}
KIND_LABELS = {
    Question.MULTIPLE_CHOICE: gettext_lazy("multiple-choice"),
    Question.TRUE_FALSE: gettext_lazy("true/false"),
    Question.ESSAY: gettext_lazy("essay"),
}
ANSWER_ORDERS = {Question.ORDER_NONE, Question.ORDER_CONTENT, Question.ORDER_RANDOM}

SPEC = TableSpec(
    columns=tuple(CSV_COLUMNS), required=("type", "question"), error_class=QuizImportError
)


@dataclass
class _CsvRow:
    number: int
    key: str
    kind: str
    category: str
    sub_category: str
    content: str
    explanation: str
    answer_order: str
    correct_statement: bool | None
    answers: list[tuple[str, bool]]
    quizzes: list[Quiz]
    target: Question | None = None


@dataclass
class QuestionImportSummary(importing.ImportSummary):
    """The counts per kind (questions, categories, …) and what each row does to its question."""

    rows: list[RowChange] = field(default_factory=list)

    def _actions(self, action: str) -> int:
        return sum(1 for change in self.rows if change.action == action)

    @property
    def changes(self) -> list[RowChange]:
        return [change for change in self.rows if change.action != UNCHANGED]

    def totals(self) -> str:
        return row_totals(
            self._actions(CREATE),
            self._actions(UPDATE),
            self._actions(UNCHANGED),
            dry_run=self.dry_run,
        )


class _QuestionRowForm(forms.Form):
    """One row of a question table; ``quizzes`` are the stored quizzes by slug."""

    def __init__(self, *args, quizzes: dict[str, Quiz], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.quizzes = quizzes

    def clean(self):
        values = {column: self.cleaned_data.get(column, "") for column in CSV_COLUMNS}
        for column, limit in LIMITS.items():
            if len(values[column]) > limit:
                self.add_error(
                    column,
                    _("%(column)s is longer than %(limit)s characters")
                    % {"column": column, "limit": limit},
                )
        kind = values["type"].lower()
        if kind not in KIND_LABELS:
            self.add_error("type", _("type is “%(type)s”; use mc, tf or essay") % {"type": kind})
        if values["sub_category"] and not values["category"]:
            self.add_error("sub_category", _("sub_category needs a category"))
        if not values["question"]:
            self.add_error("question", _("question is empty"))
        answer_order = values["answer_order"].lower() or Question.ORDER_NONE
        if answer_order not in ANSWER_ORDERS:
            self.add_error(
                "answer_order",
                _("answer_order is “%(order)s”; use none, content or random")
                % {"order": answer_order},
            )
        answers = {
            index: values[column]
            for index, column in enumerate(ANSWER_COLUMNS, start=1)
            if values[column]
        }
        correct_statement, right = self.check_correct(kind, values["correct"].lower(), answers)
        if kind in {Question.TRUE_FALSE, Question.ESSAY} and answers:
            self.add_error(
                f"answer_{min(answers)}",
                _("answer columns must be empty for a %(kind)s question") % {"kind": kind},
            )
        slugs = [slug.strip() for slug in values["quizzes"].split("|") if slug.strip()]
        for slug in slugs:
            if slug not in self.quizzes:
                self.add_error(
                    "quizzes",
                    _("there is no quiz with the slug “%(slug)s”; create it first")
                    % {"slug": slug},
                )
        if self.errors:
            return self.cleaned_data
        self.cleaned_data["parsed"] = _CsvRow(
            number=0,  # set by the import, which knows the row
            key=values["key"],
            kind=kind,
            category=values["category"],
            sub_category=values["sub_category"],
            content=values["question"],
            explanation=values["explanation"],
            answer_order=answer_order,
            correct_statement=correct_statement,
            answers=[(text, index in right) for index, text in sorted(answers.items())],
            quizzes=[self.quizzes[slug] for slug in dict.fromkeys(slugs)],
        )
        return self.cleaned_data

    def check_correct(
        self, kind: str, correct: str, answers: dict[int, str]
    ) -> tuple[bool | None, set[int]]:
        """The statement of a tf question and the right answers of a mc question."""
        right: set[int] = set()
        if kind == Question.TRUE_FALSE:
            if correct in CSV_TRUE | CSV_FALSE:
                return correct in CSV_TRUE, right
            self.add_error(
                "correct",
                _("correct is “%(correct)s”; a tf question needs true or false")
                % {"correct": correct},
            )
        elif kind == Question.MULTIPLE_CHOICE:
            tokens = [token.strip() for token in re.split(r"[|;]", correct) if token.strip()]
            if not tokens:
                self.add_error(
                    "correct",
                    _("correct is empty; give the numbers of the right answers, e.g. 1|3"),
                )
            for token in tokens:
                position = whole_number(token)
                if position is None or position not in answers:
                    self.add_error(
                        "correct",
                        _("correct names answer “%(answer)s”, but answer_%(answer)s is empty")
                        % {"answer": token},
                    )
                else:
                    right.add(position)
            if len(answers) < 2:
                self.add_error("answer_1", _("a mc question needs at least two answers"))
        elif kind == Question.ESSAY and correct:
            self.add_error("correct", _("correct must be empty for an essay question"))
        return None, right


# One text field per column; the checks that need several columns are in clean().
QuestionRowForm = type(
    "QuestionRowForm",
    (_QuestionRowForm,),
    {column: forms.CharField(required=False) for column in CSV_COLUMNS},
)


def _csv_target(row: _CsvRow) -> Question | None:
    """The stored question a row updates, if any."""
    if row.key:
        question = Question.objects.filter(import_key=f"csv:{row.key}").first()
        match = _KEY_OF_PK.match(row.key)
        if question is None and match:
            # An export names questions that came from elsewhere "q<pk>"; re-importing the
            # edited file must update them, not add copies.
            question = (
                Question.objects.filter(pk=int(match.group(1)))
                .exclude(import_key__startswith="csv:")
                .first()
            )
        return question
    questions = Question.objects.filter(content=row.content, kind=row.kind)
    if row.category:
        questions = questions.filter(category__name=row.category)
    else:
        questions = questions.filter(category__isnull=True)
    return questions.order_by("pk").first()


def import_questions_csv(
    *, file: IO[str] | IO[bytes] | str | bytes, dry_run: bool = False
) -> QuestionImportSummary:
    """Create or update questions from a trainer's CSV or Excel file: all rows, or none."""
    return QUESTION_IMPORT.from_file(file, dry_run=dry_run)


def import_questions(*, table: Table, dry_run: bool = False) -> QuestionImportSummary:
    """Create or update questions from a table read by ``SPEC``: all rows, or none.

    Every row is checked before anything is written; all problems are raised together.
    """
    for table_row in table.rows:
        # Our export puts an apostrophe before formula-like text; it is not part of the value.
        table_row.values = {name: restore_cell(value) for name, value in table_row.values.items()}
    quizzes = {quiz.slug: quiz for quiz in Quiz.objects.all()}
    errors: list[RowError] = []
    parsed: list[_CsvRow] = []
    for checked in check_rows(table, QuestionRowForm, errors, quizzes=quizzes):
        if checked.valid:
            checked.cleaned["parsed"].number = checked.number
            parsed.append(checked.cleaned["parsed"])
    _check_across_rows(parsed, errors)
    if errors:
        raise QuizImportError(errors=errors)
    summary = QuestionImportSummary(dry_run=dry_run)
    with transaction.atomic():
        for row in parsed:
            summary.rows.append(_write_csv_row(row, summary=summary))
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _check_across_rows(parsed: list[_CsvRow], errors: list[RowError]) -> None:
    seen: dict[tuple, int] = {}
    for row in parsed:
        identity = ("key", row.key) if row.key else ("text", row.content, row.kind, row.category)
        if identity in seen:
            errors.append(
                RowError(
                    (row.number,),
                    "key" if row.key else "question",
                    _("repeats row %(row)s") % {"row": seen[identity]},
                )
            )
            continue
        seen[identity] = row.number
        row.target = _csv_target(row)
        if row.target is not None and row.target.kind != row.kind:
            errors.append(
                RowError(
                    (row.number,),
                    "type",
                    _(
                        "the stored question is %(stored)s, not %(kind)s; a question's type "
                        "cannot change (answers given to it depend on it). Clear the key to "
                        "add a new question instead"
                    )
                    % {"stored": KIND_LABELS[row.target.kind], "kind": KIND_LABELS[row.kind]},
                )
            )
        if row.target is not None:
            errors.extend(_chosen_answers_removed(row))


def _write_csv_row(row: _CsvRow, *, summary: QuestionImportSummary) -> RowChange:
    category = importing.category_named(row.category, summary=summary) if row.category else None
    sub_category = (
        importing.sub_category_named(category, row.sub_category, summary=summary)
        if category and row.sub_category
        else None
    )
    values = {
        "kind": row.kind,
        "content": row.content,
        "explanation": row.explanation,
        "category": category,
        "sub_category": sub_category,
        "answer_order": row.answer_order,
        "correct_statement": row.correct_statement,
    }
    question = row.target
    if question is None:
        question = Question.objects.create(**values, import_key=f"csv:{row.key}" if row.key else "")
        summary.count("questions", created=True)
        changed = False
    else:
        changed = any(getattr(question, name) != value for name, value in values.items())
        if changed:
            for name, value in values.items():
                setattr(question, name, value)
            question.save()
    if _write_csv_answers(question, row, summary=summary):
        changed = True
    if row.target is not None:
        if changed:
            summary.count_updated("questions")
        else:
            summary.count("questions", created=False)
    added = [
        quiz.slug
        for quiz in row.quizzes
        if importing.attach(
            quiz, question, sort_order=importing.next_sort_order(quiz), summary=summary
        )
    ]
    return _row_change(row, changed=changed, added=added)


def _row_change(row: _CsvRow, *, changed: bool, added: list[str]) -> RowChange:
    names = {"question": Truncator(row.content).chars(80), "kind": KIND_LABELS[row.kind]}
    if row.target is None:
        action, description = CREATE, _("create %(kind)s question “%(question)s”") % names
    elif changed or added:
        action, description = UPDATE, _("update “%(question)s”") % names
    else:
        action, description = UNCHANGED, _("unchanged “%(question)s”") % names
    if added:
        description += "; " + _("in quiz(zes) %(quizzes)s") % {"quizzes": ", ".join(added)}
    return RowChange(row=row.number, key=row.key, action=action, description=description)


def _write_csv_answers(question: Question, row: _CsvRow, *, summary: QuestionImportSummary) -> bool:
    """Bring the answers in line with the row, position by position; True if any changed.

    Updating in place keeps the answers that learners chose in past attempts.
    """
    stored = list(question.answers.order_by("sort_order", "pk"))
    changed = False
    for position, (content, correct) in enumerate(row.answers):
        if position < len(stored):
            answer = stored[position]
            if (answer.content, answer.correct, answer.sort_order) != (content, correct, position):
                answer.content, answer.correct, answer.sort_order = content, correct, position
                answer.save()
                changed = True
        else:
            Answer.objects.create(
                question=question, content=content, correct=correct, sort_order=position
            )
            changed = True
    for answer in stored[len(row.answers) :]:
        try:
            answer.delete()
        except ProtectedError:
            # Chosen in an attempt after the rows were checked: all rows are rolled back.
            raise QuizImportError(errors=[_chosen_answer_error(row, answer)]) from None
        changed = True
    return changed


def _chosen_answer_error(row: _CsvRow, answer: Answer) -> RowError:
    number = answer.sort_order + 1
    return RowError(
        (row.number,),
        f"answer_{number}" if number <= MAX_CSV_ANSWERS else "",
        _(
            "answer %(number)s (“%(answer)s”) was chosen by learners in past attempts and "
            "cannot be removed; keep it in the row (leave it out of “correct” if it is wrong "
            "now), or archive the question and add a new one"
        )
        % {"number": number, "answer": answer.content},
    )


def _chosen_answers_removed(row: _CsvRow) -> list[RowError]:
    """Problems for answers the row would remove although learners chose them."""
    removed = list(row.target.answers.order_by("sort_order", "pk")[len(row.answers) :])
    if not removed:
        return []
    chosen = set(
        ChosenAnswer.objects.filter(answer__in=removed).values_list("answer_id", flat=True)
    )
    return [_chosen_answer_error(row, answer) for answer in removed if answer.pk in chosen]


def questions_for_export(*, quiz_slug: str | None = None) -> QuerySet[Question]:
    """All questions, or one quiz's questions in the quiz's order."""
    if not quiz_slug:
        return Question.objects.order_by("pk")
    quiz = Quiz.objects.filter(slug=quiz_slug).first()
    if quiz is None:
        raise QuizImportError(_("There is no quiz with the slug “%(slug)s”.") % {"slug": quiz_slug})
    ids = list(
        quiz.quiz_questions.order_by("sort_order", "pk").values_list("question_id", flat=True)
    )
    if not ids:
        return Question.objects.none()
    position = Case(
        *(When(pk=pk, then=Value(index)) for index, pk in enumerate(ids)),
        output_field=IntegerField(),
    )
    return Question.objects.filter(pk__in=ids).order_by(position)


def export_questions_csv(*, questions: QuerySet[Question], file: IO[str]) -> int:
    """Write questions in the import format, so the file re-imports cleanly; returns the count."""
    questions = list(
        questions.select_related("category", "sub_category").prefetch_related(
            Prefetch("answers", queryset=Answer.objects.order_by("sort_order", "pk"))
        )
    )
    slugs: dict[int, list[str]] = defaultdict(list)
    for question_id, slug in (
        QuizQuestion.objects.filter(question__in=questions)
        .order_by("quiz__slug")
        .values_list("question_id", "quiz__slug")
    ):
        slugs[question_id].append(slug)
    rows = []
    for question in questions:
        answers = list(question.answers.all())
        if len(answers) > MAX_CSV_ANSWERS:
            # Checked before writing so no half file is left behind.
            raise QuizImportError(
                _(
                    "Question %(pk)s (“%(question)s”) has %(count)s answers; the CSV holds at "
                    "most %(max)s. Export the other questions with --quiz."
                )
                % {
                    "pk": question.pk,
                    "question": question,
                    "count": len(answers),
                    "max": MAX_CSV_ANSWERS,
                }
            )
        if question.kind == Question.TRUE_FALSE:
            correct = "true" if question.correct_statement else "false"
        elif question.kind == Question.MULTIPLE_CHOICE:
            correct = "|".join(
                str(position) for position, answer in enumerate(answers, start=1) if answer.correct
            )
        else:
            correct = ""
        key = question.import_key.removeprefix("csv:")
        rows.append(
            [
                key if question.import_key.startswith("csv:") else f"q{question.pk}",
                question.kind,
                question.category.name if question.category else "",
                question.sub_category.name if question.sub_category else "",
                question.content,
                question.explanation,
                question.answer_order,
                correct,
                *(answer.content for answer in answers),
                *([""] * (MAX_CSV_ANSWERS - len(answers))),
                "|".join(slugs[question.pk]),
            ]
        )
    # Formula-like text gets an apostrophe in front (lms.core.exports); the import takes it away.
    writer = SafeWriter(file)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return len(rows)


QUESTION_IMPORT = TableImport(
    SPEC, import_questions, command="quiz_questions_csv", key_label=gettext_lazy("Key")
)
