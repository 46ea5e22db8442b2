"""Bring questions into the quiz app: a django-quiz-app 0.5.1 dump, and trainers' CSV files.

Every import runs in one transaction: bad input raises QuizImportError and stores nothing.
Imported rows remember where they came from (``import_key``), so running the same import
again creates nothing and changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import (
    Case,
    IntegerField,
    Max,
    Prefetch,
    ProtectedError,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from lms.core.exports import SafeWriter, restore_cell
from lms.core.input_safety import MalformedInput, NotUtf8, decode_text, load_json, whole_number
from lms.quizzes.cleaning import clean_essay
from lms.quizzes.models import (
    Answer,
    Category,
    CategoryProgress,
    ChosenAnswer,
    Question,
    Quiz,
    QuizQuestion,
    Sitting,
    SittingAnswer,
    SubCategory,
    question_snapshot,
)

Report = Callable[[str], None]


class QuizImportError(Exception):
    """Input that cannot be imported; the message names the record and how to fix it."""


@dataclass
class ImportSummary:
    """What an import created, found already present, updated or skipped, per kind."""

    dry_run: bool = False
    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def _kind(self, kind: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)

    def count(self, kind: str, *, created: bool, number: int = 1) -> None:
        self._kind(kind)
        (self.created if created else self.existing)[kind] += number

    def count_updated(self, kind: str) -> None:
        self._kind(kind)
        self.updated[kind] += 1

    def count_skipped(self, kind: str) -> None:
        self._kind(kind)
        self.skipped[kind] += 1

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    def lines(self) -> list[str]:
        would = "would be " if self.dry_run else ""
        lines = []
        for kind in self.kinds:
            parts = [
                f"{self.created[kind]} {would}created",
                f"{self.existing[kind]} already present",
            ]
            if self.updated[kind]:
                parts.append(f"{self.updated[kind]} {would}updated")
            if self.skipped[kind]:
                parts.append(f"{self.skipped[kind]} skipped")
            lines.append(f"{kind}: {', '.join(parts)}")
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s):")
            lines.extend(f"  - {warning}" for warning in self.warnings)
        if self.dry_run:
            lines.append("Dry run: nothing was stored.")
        return lines


def _unique_category_slug(name: str) -> str:
    base = slugify(name)[:240] or "category"
    slug, number = base, 2
    while Category.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def _category_named(name: str, *, summary: ImportSummary) -> Category:
    category = Category.objects.filter(name=name).first()
    summary.count("categories", created=category is None)
    if category is None:
        category = Category.objects.create(name=name, slug=_unique_category_slug(name))
    return category


def _sub_category_named(category: Category, name: str, *, summary: ImportSummary) -> SubCategory:
    sub_category = SubCategory.objects.filter(category=category, name=name).first()
    summary.count("sub-categories", created=sub_category is None)
    if sub_category is None:
        sub_category = SubCategory.objects.create(
            category=category,
            name=name,
            sort_order=SubCategory.objects.filter(category=category).count(),
        )
    return sub_category


def _attach(quiz: Quiz, question: Question, *, sort_order: int, summary: ImportSummary) -> None:
    _item, created = QuizQuestion.objects.get_or_create(
        quiz=quiz, question=question, defaults={"sort_order": sort_order}
    )
    summary.count("quiz questions", created=created)


def _next_sort_order(quiz: Quiz) -> int:
    highest = quiz.quiz_questions.aggregate(highest=Max("sort_order"))["highest"]
    return 0 if highest is None else highest + 1


# --- django-quiz-app 0.5.1 dumps -------------------------------------------------------------

USER = "auth.user"
CATEGORY = "quiz.category"
SUB_CATEGORY = "quiz.subcategory"
QUIZ = "quiz.quiz"
QUESTION = "quiz.question"
MC_QUESTION = "multichoice.mcquestion"
MC_ANSWER = "multichoice.answer"
TF_QUESTION = "true_false.tf_question"
ESSAY_QUESTION = "essay.essay_question"
SITTING = "quiz.sitting"
PROGRESS = "quiz.progress"
KNOWN_LABELS = (
    USER,
    CATEGORY,
    SUB_CATEGORY,
    QUIZ,
    QUESTION,
    MC_QUESTION,
    MC_ANSWER,
    TF_QUESTION,
    ESSAY_QUESTION,
    SITTING,
    PROGRESS,
)
KIND_BY_CHILD = {
    MC_QUESTION: Question.MULTIPLE_CHOICE,
    TF_QUESTION: Question.TRUE_FALSE,
    ESSAY_QUESTION: Question.ESSAY,
}
KIND_NAMES = {
    Question.MULTIPLE_CHOICE: "multiple-choice",
    Question.TRUE_FALSE: "true/false",
    Question.ESSAY: "essay",
}
DUMP_COMMAND = "manage.py dumpdata auth.user quiz multichoice true_false essay"
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


def import_quiz_app_dump(
    *, records: list[dict], dry_run: bool = False, report: Report = print
) -> ImportSummary:
    """Import a ``dumpdata`` export of django-quiz-app 0.5.1: all of it, or nothing.

    With ``dry_run`` the whole import runs and is then rolled back, so the summary shows
    what would be created and every error surfaces, but nothing is stored.
    """
    summary = ImportSummary(dry_run=dry_run)
    with transaction.atomic():
        _QuizAppDump(records=records, summary=summary, report=report).run()
        if dry_run:
            transaction.set_rollback(True)
    return summary


@dataclass
class _ParsedSitting:
    pk: int
    user_pk: int
    quiz_pk: int
    order: list[int]
    incorrect: set[int]
    score: int
    complete: bool
    answers: dict[int, Any]
    start: datetime
    end: datetime | None


class _QuizAppDump:
    def __init__(self, *, records: list[dict], summary: ImportSummary, report: Report) -> None:
        self.raw = records
        self.summary = summary
        self.report = report
        self.records: dict[str, dict[int, dict]] = defaultdict(dict)
        self.users: dict[int, Any] = {}
        self.categories: dict[int, Category] = {}
        self.sub_categories: dict[int, SubCategory | None] = {}
        self.quizzes: dict[int, Quiz] = {}
        self.questions: dict[int, Question] = {}
        self.kinds: dict[int, str] = {}
        self.answers: dict[int, Answer] = {}
        self.answer_question: dict[int, int] = {}
        self.quiz_members: dict[int, list[int]] = defaultdict(list)

    def run(self) -> None:
        self.index()
        self.report("Categories …")
        self.import_categories()
        self.import_sub_categories()
        self.report("Quizzes …")
        self.import_quizzes()
        self.report("Questions and answers …")
        self.import_questions()
        self.import_answers()
        self.attach_questions()
        self.report("Attempts …")
        self.import_sittings()
        self.report("Progress …")
        self.import_progress()

    # Helpers that turn bad data into errors naming the record.

    def fail(self, label: str, pk: Any, problem: str, fix: str) -> QuizImportError:
        return QuizImportError(f"{label} pk={pk}: {problem}. {fix}")

    def fk(self, label: str, pk: int, fields: dict, name: str, target: str) -> int | None:
        value = fields.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                label,
                pk,
                f"field “{name}” is {value!r}, not a primary key",
                "Dump without --natural-foreign so that references are numbers.",
            )
        if value not in self.records[target]:
            raise self.fail(
                label,
                pk,
                f"field “{name}” points at {target} pk={value}, which is not in the dump",
                f"Dump all quiz data in one go ({DUMP_COMMAND}) or remove this record.",
            )
        return value

    def required_fk(self, label: str, pk: int, fields: dict, name: str, target: str) -> int:
        value = self.fk(label, pk, fields, name, target)
        if value is None:
            raise self.fail(
                label, pk, f"field “{name}” is empty", f"Point it at a {target} record."
            )
        return value

    def text(self, label: str, pk: int, fields: dict, name: str, *, required: bool) -> str:
        value = fields.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise self.fail(label, pk, f"field “{name}” must be text, not {value!r}", "Fix it.")
        if required and not value.strip():
            raise self.fail(label, pk, f"field “{name}” is empty", "Fill it in in the old app.")
        return value

    def flag(self, label: str, pk: int, fields: dict, name: str) -> bool:
        value = fields.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(
                label, pk, f"field “{name}” must be true or false, not {value!r}", "Fix it."
            )
        return value

    def pk_list(self, pk: int, fields: dict, name: str) -> list[int]:
        """Parse the old app's comma lists such as "1,2,3," (trailing comma optional)."""
        value = fields.get(name) or ""
        if not isinstance(value, str):
            raise self.fail(SITTING, pk, f"field “{name}” must be text like “1,2,3,”", "Fix it.")
        items = [item.strip() for item in value.split(",") if item.strip()]
        numbers = [whole_number(item) for item in items]
        if None in numbers:
            raise self.fail(
                SITTING,
                pk,
                f"field “{name}” is “{value}”, not a list of question numbers",
                "It must look like “1,2,3,”.",
            )
        unknown = [number for number in numbers if number not in self.records[QUESTION]]
        if unknown:
            raise self.fail(
                SITTING,
                pk,
                f"field “{name}” names question(s) {', '.join(map(str, unknown))}, "
                "which are not in the dump",
                "Add those quiz.question records to the dump or remove them from the list.",
            )
        return numbers

    def when(self, pk: int, fields: dict, name: str, *, required: bool) -> datetime | None:
        value = fields.get(name)
        if value is None and not required:
            return None
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise self.fail(
                SITTING,
                pk,
                f"field “{name}” is {value!r}, not a date and time",
                "Use the ISO format that dumpdata writes, e.g. “2023-03-01T09:00:00Z”.",
            )
        # Naive values come from an old site with USE_TZ off, which stored local time.
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)

    # Steps, in dependency order.

    def index(self) -> None:
        unknown: Counter[str] = Counter()
        for number, record in enumerate(self.raw, start=1):
            if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
                raise QuizImportError(
                    f"Record #{number} is not a dumpdata record with “model”, “pk” and "
                    f"“fields”. Export the data with {DUMP_COMMAND}."
                )
            label = str(record.get("model", "")).lower()
            pk = record.get("pk")
            if label not in KNOWN_LABELS:
                unknown[label] += 1
                continue
            if isinstance(pk, bool) or not isinstance(pk, int):
                raise QuizImportError(
                    f"Record #{number} ({label}) has the key {pk!r}, not a number. "
                    "Dump without --natural-primary."
                )
            if pk in self.records[label]:
                raise self.fail(label, pk, "appears twice in the dump", "Remove one of them.")
            self.records[label][pk] = record["fields"]
        for label, count in sorted(unknown.items()):
            self.summary.warn(f"skipped {count} record(s) of {label or 'no model'}: not quiz data")
        for child in KIND_BY_CHILD:
            for pk in self.records[child]:
                if pk not in self.records[QUESTION]:
                    raise self.fail(
                        child,
                        pk,
                        f"there is no {QUESTION} record with the same pk",
                        "Dump the quiz app together with the question apps.",
                    )

    def user(self, old_pk: int) -> Any:
        """Our user for an old user pk; looked up lazily so only learners are created."""
        if old_pk in self.users:
            return self.users[old_pk]
        fields = self.records[USER][old_pk]
        username = self.text(USER, old_pk, fields, "username", required=True)
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        self.summary.count("users", created=user is None)
        if user is None:
            user = user_model(
                username=username,
                is_active=False,
                first_name=str(fields.get("first_name") or "")[:150],
                last_name=str(fields.get("last_name") or "")[:150],
                email=str(fields.get("email") or "")[:254],
            )
            user.set_unusable_password()
            user.save()
            self.summary.warn(
                f"{USER} pk={old_pk}: created “{username}” as an inactive user without a "
                "password so their attempts are kept; activate them in the admin if they "
                "should log in"
            )
        self.users[old_pk] = user
        return user

    def import_categories(self) -> None:
        for pk, fields in sorted(self.records[CATEGORY].items()):
            name = self.text(CATEGORY, pk, fields, "category", required=True).strip()
            if len(name) > 250:
                raise self.fail(CATEGORY, pk, "the name is longer than 250 characters", "Fix it.")
            self.categories[pk] = _category_named(name, summary=self.summary)

    def import_sub_categories(self) -> None:
        for pk, fields in sorted(self.records[SUB_CATEGORY].items()):
            name = self.text(SUB_CATEGORY, pk, fields, "sub_category", required=True).strip()
            category_pk = self.fk(SUB_CATEGORY, pk, fields, "category", CATEGORY)
            if category_pk is None:
                # Our sub-categories always belong to a category; the questions keep theirs.
                self.summary.warn(
                    f"{SUB_CATEGORY} pk={pk}: “{name}” has no category and was not imported"
                )
                self.summary.count_skipped("sub-categories")
                self.sub_categories[pk] = None
                continue
            self.sub_categories[pk] = _sub_category_named(
                self.categories[category_pk], name, summary=self.summary
            )

    def import_quizzes(self) -> None:
        for pk, fields in sorted(self.records[QUIZ].items()):
            title = self.text(QUIZ, pk, fields, "title", required=True).strip()
            slug = self.text(QUIZ, pk, fields, "url", required=True).strip()
            if not _SLUG.match(slug) or len(slug) > 100:
                raise self.fail(
                    QUIZ,
                    pk,
                    f"the url “{slug}” is not a slug",
                    "Use letters, digits, hyphens and underscores only (at most 100).",
                )
            pass_mark = fields.get("pass_mark", 0)
            if isinstance(pass_mark, bool) or not isinstance(pass_mark, int):
                raise self.fail(QUIZ, pk, f"pass_mark is {pass_mark!r}", "Use 0 to 100.")
            if not 0 <= pass_mark <= 100:
                raise self.fail(
                    QUIZ, pk, f"pass_mark is {pass_mark}, outside 0..100", "Use 0 to 100."
                )
            max_questions = fields.get("max_questions")
            if max_questions is not None and (
                isinstance(max_questions, bool)
                or not isinstance(max_questions, int)
                or max_questions < 0
            ):
                raise self.fail(
                    QUIZ,
                    pk,
                    f"max_questions is {max_questions!r}",
                    "Use a positive number or null.",
                )
            category_pk = self.fk(QUIZ, pk, fields, "category", CATEGORY)
            existing = Quiz.objects.filter(slug=slug).first()
            self.summary.count("quizzes", created=existing is None)
            if existing is not None:
                if existing.title != title:
                    self.summary.warn(
                        f"{QUIZ} pk={pk}: the quiz “{existing.title}” already uses the slug "
                        f"“{slug}”; questions and attempts of “{title}” were added to it and "
                        "its settings kept"
                    )
                self.quizzes[pk] = existing
                continue
            self.quizzes[pk] = Quiz.objects.create(
                title=title[:200],
                slug=slug,
                description=self.text(QUIZ, pk, fields, "description", required=False),
                category=self.categories.get(category_pk) if category_pk else None,
                random_order=self.flag(QUIZ, pk, fields, "random_order"),
                # The old app treats 0 like "no limit"; ours wants empty for that.
                max_questions=max_questions or None,
                answers_at_end=self.flag(QUIZ, pk, fields, "answers_at_end"),
                exam_paper=self.flag(QUIZ, pk, fields, "exam_paper"),
                single_attempt=self.flag(QUIZ, pk, fields, "single_attempt"),
                pass_mark=pass_mark,
                success_text=self.text(QUIZ, pk, fields, "success_text", required=False),
                fail_text=self.text(QUIZ, pk, fields, "fail_text", required=False),
                draft=self.flag(QUIZ, pk, fields, "draft"),
            )

    def question_kind(self, pk: int) -> str:
        kinds = [kind for child, kind in KIND_BY_CHILD.items() if pk in self.records[child]]
        if not kinds:
            raise self.fail(
                QUESTION,
                pk,
                f"has no {MC_QUESTION}, {TF_QUESTION} or {ESSAY_QUESTION} record with the same "
                "pk, so its type is unknown",
                f"Dump the question apps too ({DUMP_COMMAND}) or remove the question.",
            )
        if len(kinds) > 1:
            raise self.fail(
                QUESTION,
                pk,
                "has records of more than one question type",
                "Keep only one of them.",
            )
        return kinds[0]

    def import_questions(self) -> None:
        for pk, fields in sorted(self.records[QUESTION].items()):
            kind = self.question_kind(pk)
            content = self.text(QUESTION, pk, fields, "content", required=True)
            explanation = self.text(QUESTION, pk, fields, "explanation", required=False)
            quiz_pks = fields.get("quiz") or []
            if not isinstance(quiz_pks, list):
                raise self.fail(QUESTION, pk, "field “quiz” must be a list of quiz pks", "Fix it.")
            for quiz_pk in quiz_pks:
                self.required_fk(QUESTION, pk, {"quiz": quiz_pk}, "quiz", QUIZ)
                self.quiz_members[quiz_pk].append(pk)
            category_pk = self.fk(QUESTION, pk, fields, "category", CATEGORY)
            category = self.categories[category_pk] if category_pk else None
            sub_pk = self.fk(QUESTION, pk, fields, "sub_category", SUB_CATEGORY)
            sub_category = self.sub_categories.get(sub_pk) if sub_pk else None
            if sub_category is not None and category is None:
                category = sub_category.category
            elif sub_category is not None and sub_category.category_id != category.pk:
                # Our admin refuses a sub-category of another category, so drop it here.
                self.summary.warn(
                    f"{QUESTION} pk={pk}: its sub-category “{sub_category.name}” belongs to "
                    "another category and was left out"
                )
                sub_category = None
            answer_order = Question.ORDER_NONE
            correct_statement = None
            if kind == Question.MULTIPLE_CHOICE:
                answer_order = self.records[MC_QUESTION][pk].get("answer_order") or "none"
                if answer_order not in {"content", "random", "none"}:
                    raise self.fail(
                        MC_QUESTION,
                        pk,
                        f"answer_order is {answer_order!r}",
                        "Use “content”, “random”, “none” or null.",
                    )
            elif kind == Question.TRUE_FALSE:
                correct_statement = self.records[TF_QUESTION][pk].get("correct")
                if not isinstance(correct_statement, bool):
                    raise self.fail(
                        TF_QUESTION,
                        pk,
                        f"field “correct” is {correct_statement!r}, not true or false",
                        "Set it to true or false.",
                    )
            figure = fields.get("figure")
            if figure:
                self.summary.warn(
                    f"{QUESTION} pk={pk}: the figure “{figure}” was not imported (files are "
                    "not part of a dump); upload it to the question in the admin"
                )
            key = f"quiz-app:question:{pk}"
            question = Question.objects.filter(import_key=key).first()
            self.summary.count("questions", created=question is None)
            if question is None:
                question = Question.objects.create(
                    kind=kind,
                    content=content,
                    explanation=explanation,
                    category=category,
                    sub_category=sub_category,
                    answer_order=answer_order,
                    correct_statement=correct_statement,
                    import_key=key,
                )
            self.questions[pk] = question
            self.kinds[pk] = kind

    def import_answers(self) -> None:
        by_question: dict[int, list[int]] = defaultdict(list)
        for pk, fields in sorted(self.records[MC_ANSWER].items()):
            question_pk = fields.get("question")
            if (
                isinstance(question_pk, int)
                and question_pk in self.kinds
                and self.kinds[question_pk] != Question.MULTIPLE_CHOICE
            ):
                raise self.fail(
                    MC_ANSWER,
                    pk,
                    f"belongs to {QUESTION} pk={question_pk}, which is a "
                    f"{KIND_NAMES[self.kinds[question_pk]]} question",
                    "Answers belong to multiple-choice questions only; remove the answer.",
                )
            question_pk = self.required_fk(MC_ANSWER, pk, fields, "question", MC_QUESTION)
            content = self.text(MC_ANSWER, pk, fields, "content", required=True)
            correct = self.flag(MC_ANSWER, pk, fields, "correct")
            key = f"quiz-app:answer:{pk}"
            answer = Answer.objects.filter(import_key=key).first()
            self.summary.count("answers", created=answer is None)
            if answer is None:
                answer = Answer.objects.create(
                    question=self.questions[question_pk],
                    content=content,
                    correct=correct,
                    # The old app shows answers "as entered" in pk order.
                    sort_order=len(by_question[question_pk]),
                    import_key=key,
                )
            by_question[question_pk].append(pk)
            self.answers[pk] = answer
            self.answer_question[pk] = question_pk
        for pk in sorted(self.records[MC_QUESTION]):
            correct = [answer for answer in by_question[pk] if self.answers[answer].correct is True]
            if not correct:
                self.summary.warn(
                    f"{MC_QUESTION} pk={pk}: has no correct answer; learners cannot get it "
                    "right until you add one in the admin"
                )

    def attach_questions(self) -> None:
        for quiz_pk, question_pks in sorted(self.quiz_members.items()):
            quiz = self.quizzes[quiz_pk]
            base = _next_sort_order(quiz)
            for rank, question_pk in enumerate(sorted(question_pks)):
                _attach(
                    quiz, self.questions[question_pk], sort_order=base + rank, summary=self.summary
                )

    def parse_sitting(self, pk: int, fields: dict) -> _ParsedSitting:
        user_pk = self.required_fk(SITTING, pk, fields, "user", USER)
        quiz_pk = self.required_fk(SITTING, pk, fields, "quiz", QUIZ)
        order = self.pk_list(pk, fields, "question_order")
        if len(set(order)) != len(order):
            raise self.fail(
                SITTING, pk, "question_order names a question twice", "Remove the repetition."
            )
        incorrect = set(self.pk_list(pk, fields, "incorrect_questions"))
        remaining = set(self.pk_list(pk, fields, "question_list"))
        outside = (incorrect | remaining) - set(order)
        if outside:
            raise self.fail(
                SITTING,
                pk,
                f"question(s) {', '.join(map(str, sorted(outside)))} are listed as incorrect "
                "or remaining but are not in question_order",
                "Add them to question_order or remove them.",
            )
        score = fields.get("current_score", 0)
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= len(order):
            raise self.fail(
                SITTING,
                pk,
                f"current_score is {score!r} for {len(order)} question(s)",
                "It must be a number between 0 and the number of questions.",
            )
        complete = self.flag(SITTING, pk, fields, "complete")
        raw_answers = fields.get("user_answers") or "{}"
        try:
            given = load_json(raw_answers) if isinstance(raw_answers, str) else raw_answers
        except MalformedInput as error:
            raise self.fail(
                SITTING,
                pk,
                f"user_answers is not valid JSON ({error.message})",
                'It must be a JSON object such as {"12": "101", "13": "True"}.',
            ) from None
        if not isinstance(given, dict):
            raise self.fail(
                SITTING,
                pk,
                "user_answers is not a JSON object",
                'It must look like {"12": "101", "13": "True"}.',
            )
        answers = {}
        for key, value in given.items():
            question_pk = whole_number(str(key))
            if question_pk not in order:
                raise self.fail(
                    SITTING,
                    pk,
                    f"user_answers answers question {key!r}, which is not in question_order",
                    "Add it to question_order or remove the answer.",
                )
            answers[question_pk] = self.parse_given(pk, question_pk, value)
        return _ParsedSitting(
            pk=pk,
            user_pk=user_pk,
            quiz_pk=quiz_pk,
            order=order,
            incorrect=incorrect,
            score=score,
            complete=complete,
            answers=answers,
            start=self.when(pk, fields, "start", required=True),
            end=self.when(pk, fields, "end", required=False),
        )

    def parse_given(self, pk: int, question_pk: int, value: Any) -> Any:
        """The learner's answer as the old app stored it, checked against the question."""
        kind = self.kinds[question_pk]
        if kind == Question.MULTIPLE_CHOICE:
            answer_pk = whole_number(str(value))
            if answer_pk not in self.answers or self.answer_question[answer_pk] != question_pk:
                raise self.fail(
                    SITTING,
                    pk,
                    f"user_answers gives {value!r} for question {question_pk}, which is not "
                    f"one of its {MC_ANSWER} pks",
                    "Include the question's answers in the dump or fix the value.",
                )
            return self.answers[answer_pk]
        if kind == Question.TRUE_FALSE:
            if str(value).strip().lower() not in {"true", "false"}:
                raise self.fail(
                    SITTING,
                    pk,
                    f"user_answers gives {value!r} for true/false question {question_pk}",
                    "Use “True” or “False”.",
                )
            return str(value).strip().lower() == "true"
        if not isinstance(value, str):
            raise self.fail(
                SITTING,
                pk,
                f"user_answers gives {value!r} for essay question {question_pk}, not text",
                "Give the essay as a string.",
            )
        return clean_essay(value)

    def import_sittings(self) -> None:
        parsed = [
            self.parse_sitting(pk, fields) for pk, fields in sorted(self.records[SITTING].items())
        ]
        # Attempts are numbered in the order they were started, per learner and quiz.
        for sitting in sorted(parsed, key=lambda item: (item.start, item.pk)):
            self.import_sitting(sitting)

    def import_sitting(self, data: _ParsedSitting) -> None:
        user = self.user(data.user_pk)
        key = f"quiz-app:sitting:{data.pk}"
        if Sitting.objects.filter(import_key=key).exists():
            self.summary.count("attempts", created=False)
            self.summary.count("attempt answers", created=False, number=len(data.answers))
            return
        quiz = self.quizzes[data.quiz_pk]
        if not data.complete and set(data.order) <= set(data.answers):
            # Ours asks the first unanswered question; with none left the learner would be
            # stuck in this attempt for good, so it is closed as the old app would have.
            data.complete = True
            data.end = data.end or data.start
            self.summary.warn(
                f"{SITTING} pk={data.pk}: every question was answered but the attempt was "
                "never finished; it was imported as finished"
            )
        if (
            not data.complete
            and Sitting.objects.filter(user=user, quiz=quiz, complete=False).exists()
        ):
            self.summary.warn(
                f"{SITTING} pk={data.pk}: skipped this unfinished attempt because "
                f"“{user.username}” already has an open attempt at “{quiz.title}”; finish or "
                "delete that one and import again to keep it"
            )
            self.summary.count_skipped("attempts")
            return
        last = Sitting.objects.filter(user=user, quiz=quiz).aggregate(last=Max("attempt"))["last"]
        sitting = Sitting(
            user=user,
            quiz=quiz,
            attempt=(last or 0) + 1,
            question_order=[self.questions[pk].pk for pk in data.order],
            score=data.score,
            possible=len(data.order),
            complete=data.complete,
            start=data.start,
            end=data.end,
            import_key=key,
        )
        sitting.passed = sitting.percent >= quiz.pass_mark if data.complete else None
        sitting.save()
        self.summary.count("attempts", created=True)
        answered_at = data.end or data.start
        right = 0
        for question_pk, given in data.answers.items():
            question = self.questions[question_pk]
            wrong = question_pk in data.incorrect
            is_correct: bool | None = not wrong
            if question.kind == Question.ESSAY and not wrong and not data.complete:
                # Not yet marked in the old app; ours marks essays after the attempt.
                is_correct = None
            is_choice = question.kind == Question.MULTIPLE_CHOICE
            answer = SittingAnswer.objects.create(
                sitting=sitting,
                question=question,
                true_false=given if question.kind == Question.TRUE_FALSE else None,
                essay=given if question.kind == Question.ESSAY else "",
                is_correct=is_correct,
                answered_at=answered_at,
                # The old app kept no copy of what was shown: the paper keeps today's text.
                snapshot=question_snapshot(
                    question=question,
                    options=question.answers.order_by("sort_order", "pk") if is_choice else [],
                    chosen_ids=[given.pk] if is_choice else [],
                ),
            )
            if question.kind == Question.MULTIPLE_CHOICE:
                answer.chosen_answers.add(given)
            right += is_correct is True
            self.summary.count("attempt answers", created=True)
        if data.complete and right != data.score:
            # Marking an essay later recounts the score from the answers.
            self.summary.warn(
                f"{SITTING} pk={data.pk}: current_score is {data.score} but the answers "
                f"count {right} right; the stored score was kept"
            )

    def parse_progress(self, pk: int, value: Any) -> list[tuple[Category, int, int]]:
        example = "“Social Selling,3,4,Storytelling,1,2,”"
        if not isinstance(value, str):
            raise self.fail(PROGRESS, pk, "field “score” is not text", f"Use e.g. {example}.")
        items = value.split(",")
        if items and items[-1] == "":
            items.pop()
        if len(items) % 3:
            raise self.fail(
                PROGRESS,
                pk,
                f"the score “{value}” is not a list of category,score,possible triples",
                f"Use e.g. {example}.",
            )
        entries = []
        seen = set()
        for index in range(0, len(items), 3):
            name, score, possible = (item.strip() for item in items[index : index + 3])
            # The progress columns are PostgreSQL integers.
            score_number = whole_number(score, maximum=2_147_483_647)
            possible_number = whole_number(possible, maximum=2_147_483_647)
            if score_number is None or possible_number is None or score_number > possible_number:
                raise self.fail(
                    PROGRESS,
                    pk,
                    f"the entry “{name},{score},{possible}” has no valid score and possible score",
                    f"Use two whole numbers, the first not above the second, e.g. {example}.",
                )
            category = self.category_by_name(name)
            if category is None:
                raise self.fail(
                    PROGRESS,
                    pk,
                    f"names the category “{name}”, which is neither in the dump nor stored here",
                    "Add its quiz.category record to the dump or remove the entry.",
                )
            if category.pk in seen:
                raise self.fail(
                    PROGRESS, pk, f"names the category “{name}” twice", "Keep one entry."
                )
            seen.add(category.pk)
            entries.append((category, score_number, possible_number))
        return entries

    def category_by_name(self, name: str) -> Category | None:
        # The old app matched these names case-insensitively.
        for category in self.categories.values():
            if category.name == name:
                return category
        for category in self.categories.values():
            if category.name.casefold() == name.casefold():
                return category
        return (
            Category.objects.filter(name=name).first()
            or Category.objects.filter(name__iexact=name).first()
        )

    def import_progress(self) -> None:
        for pk, fields in sorted(self.records[PROGRESS].items()):
            user_pk = self.required_fk(PROGRESS, pk, fields, "user", USER)
            # The old app lists every category, untouched ones at 0 of 0; those say nothing.
            entries = [entry for entry in self.parse_progress(pk, fields.get("score")) if entry[2]]
            if not entries:
                continue
            user = self.user(user_pk)
            for category, score, possible in entries:
                progress = CategoryProgress.objects.filter(user=user, category=category).first()
                if progress is None:
                    CategoryProgress.objects.create(
                        user=user, category=category, score=score, possible=possible
                    )
                    self.summary.count("progress", created=True)
                elif (progress.score, progress.possible) == (score, possible):
                    self.summary.count("progress", created=False)
                else:
                    # The dump holds the full totals, so they replace ours instead of adding.
                    progress.score, progress.possible = score, possible
                    progress.save(update_fields=["score", "possible"])
                    self.summary.count_updated("progress")


# --- Question CSV files for trainers ----------------------------------------------------------

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


def _read_text(file: IO[str] | IO[bytes]) -> str:
    try:
        return decode_text(file.read())
    except NotUtf8 as error:
        raise QuizImportError(
            f"The file is not UTF-8 (byte {error.byte}). In Excel, save it as "
            "“CSV UTF-8 (comma delimited)”."
        ) from None
    except MalformedInput as error:
        raise QuizImportError(error.message) from None


def _csv_rows(text: str) -> tuple[list[str], list[list[str]]]:
    if not text.strip():
        raise QuizImportError(f"The file is empty. It needs a header row: {','.join(CSV_COLUMNS)}")
    header_line = text.splitlines()[0]
    try:
        delimiter = csv.Sniffer().sniff(header_line, delimiters=",;").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise QuizImportError(f"Line {reader.line_num}: the CSV is malformed ({error}).") from None
    header = [cell.strip().lower() for cell in rows[0]]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise QuizImportError(
            f"Row 1: unknown column(s) {', '.join(map(repr, unknown))}. "
            f"The columns are: {', '.join(CSV_COLUMNS)}."
        )
    doubled = sorted({name for name in header if header.count(name) > 1})
    if doubled:
        raise QuizImportError(f"Row 1: the column(s) {', '.join(doubled)} appear twice.")
    missing = [name for name in ("type", "question") if name not in header]
    if missing:
        raise QuizImportError(
            f"Row 1: the header row lacks the column(s) {', '.join(missing)}. "
            f"The columns are: {', '.join(CSV_COLUMNS)}."
        )
    return header, [[restore_cell(cell) for cell in row] for row in rows[1:]]


def _limit(errors: list[str], value: str, name: str, length: int) -> None:
    if len(value) > length:
        errors.append(f"{name} is longer than {length} characters")


def _parse_csv_row(
    number: int, values: dict[str, str], quizzes: dict[str, Quiz]
) -> tuple[_CsvRow | None, list[str]]:
    errors: list[str] = []
    key = values.get("key", "")
    _limit(errors, key, "key", 96)
    kind = values.get("type", "").lower()
    if kind not in KIND_NAMES:
        errors.append(f"type is “{kind}”; use mc, tf or essay")
    category = values.get("category", "")
    sub_category = values.get("sub_category", "")
    _limit(errors, category, "category", 250)
    _limit(errors, sub_category, "sub_category", 250)
    if sub_category and not category:
        errors.append("sub_category needs a category")
    content = values.get("question", "")
    if not content:
        errors.append("question is empty")
    _limit(errors, content, "question", 1000)
    explanation = values.get("explanation", "")
    _limit(errors, explanation, "explanation", 2000)
    answer_order = values.get("answer_order", "").lower() or Question.ORDER_NONE
    if answer_order not in {Question.ORDER_NONE, Question.ORDER_CONTENT, Question.ORDER_RANDOM}:
        errors.append(f"answer_order is “{answer_order}”; use none, content or random")
    answers = {
        index: values.get(column, "")
        for index, column in enumerate(ANSWER_COLUMNS, start=1)
        if values.get(column, "")
    }
    for index, text in answers.items():
        _limit(errors, text, f"answer_{index}", 1000)
    correct = values.get("correct", "").lower()
    correct_statement = None
    right: set[int] = set()
    if kind == Question.TRUE_FALSE:
        if correct in CSV_TRUE | CSV_FALSE:
            correct_statement = correct in CSV_TRUE
        else:
            errors.append(f"correct is “{correct}”; a tf question needs true or false")
    elif kind == Question.MULTIPLE_CHOICE:
        tokens = [token.strip() for token in re.split(r"[|;]", correct) if token.strip()]
        if not tokens:
            errors.append("correct is empty; give the numbers of the right answers, e.g. 1|3")
        for token in tokens:
            # Not `number`: that is the row's number, which the parsed row keeps.
            position = whole_number(token)
            if position is None or position not in answers:
                errors.append(f"correct names answer “{token}”, but answer_{token} is empty")
            else:
                right.add(position)
        if len(answers) < 2:
            errors.append("a mc question needs at least two answers")
    elif kind == Question.ESSAY and correct:
        errors.append("correct must be empty for an essay question")
    if kind in {Question.TRUE_FALSE, Question.ESSAY} and answers:
        errors.append(f"answer columns must be empty for a {kind} question")
    slugs = [slug.strip() for slug in values.get("quizzes", "").split("|") if slug.strip()]
    for slug in slugs:
        if slug not in quizzes:
            errors.append(f"there is no quiz with the slug “{slug}”; create it first")
    if errors:
        return None, errors
    return (
        _CsvRow(
            number=number,
            key=key,
            kind=kind,
            category=category,
            sub_category=sub_category,
            content=content,
            explanation=explanation,
            answer_order=answer_order,
            correct_statement=correct_statement,
            answers=[(text, index in right) for index, text in sorted(answers.items())],
            quizzes=[quizzes[slug] for slug in dict.fromkeys(slugs)],
        ),
        [],
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


def import_questions_csv(*, file: IO[str] | IO[bytes], dry_run: bool = False) -> ImportSummary:
    """Create or update questions from a trainer's CSV file: all rows, or none.

    Every row is checked before anything is written; all problems are raised together.
    """
    header, rows = _csv_rows(_read_text(file))
    quizzes = {quiz.slug: quiz for quiz in Quiz.objects.all()}
    parsed: list[_CsvRow] = []
    errors: list[str] = []
    for number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[len(header) :]):
            errors.append(
                f"row {number}: has {len(cells)} cells but the header has {len(header)} columns"
            )
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
        row, row_errors = _parse_csv_row(number, values, quizzes)
        errors.extend(f"row {number}: {message}" for message in row_errors)
        if row is not None:
            parsed.append(row)
    seen: dict[tuple, int] = {}
    for row in parsed:
        identity = ("key", row.key) if row.key else ("text", row.content, row.kind, row.category)
        if identity in seen:
            errors.append(f"row {row.number}: repeats row {seen[identity]}")
            continue
        seen[identity] = row.number
        row.target = _csv_target(row)
        if row.target is not None and row.target.kind != row.kind:
            errors.append(
                f"row {row.number}: the stored question is {KIND_NAMES[row.target.kind]}, not "
                f"{KIND_NAMES[row.kind]}; a question's type cannot change (answers given to it "
                "depend on it). Clear the key to add a new question instead"
            )
        if row.target is not None:
            errors.extend(
                f"row {row.number}: {message}" for message in _chosen_answers_removed(row)
            )
    if errors:
        raise QuizImportError(
            f"The CSV has {len(errors)} error(s); nothing was imported.\n" + "\n".join(errors)
        )
    summary = ImportSummary(dry_run=dry_run)
    with transaction.atomic():
        for row in parsed:
            _write_csv_row(row, summary=summary)
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _write_csv_row(row: _CsvRow, *, summary: ImportSummary) -> None:
    category = _category_named(row.category, summary=summary) if row.category else None
    sub_category = (
        _sub_category_named(category, row.sub_category, summary=summary)
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
    for quiz in row.quizzes:
        _attach(quiz, question, sort_order=_next_sort_order(quiz), summary=summary)


def _write_csv_answers(question: Question, row: _CsvRow, *, summary: ImportSummary) -> bool:
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
            raise QuizImportError(
                f"The CSV has 1 error(s); nothing was imported.\nrow {row.number}: "
                + _chosen_answer_message(answer)
            ) from None
        changed = True
    return changed


def _chosen_answer_message(answer: Answer) -> str:
    return (
        f"answer {answer.sort_order + 1} (“{answer.content}”) was chosen by learners in past "
        "attempts and cannot be removed; keep it in the row (leave it out of “correct” if it "
        "is wrong now), or archive the question and add a new one"
    )


def _chosen_answers_removed(row: _CsvRow) -> list[str]:
    """Problems for answers the row would remove although learners chose them."""
    removed = list(row.target.answers.order_by("sort_order", "pk")[len(row.answers) :])
    if not removed:
        return []
    chosen = set(
        ChosenAnswer.objects.filter(answer__in=removed).values_list("answer_id", flat=True)
    )
    return [_chosen_answer_message(answer) for answer in removed if answer.pk in chosen]


def questions_for_export(*, quiz_slug: str | None = None) -> QuerySet[Question]:
    """All questions, or one quiz's questions in the quiz's order."""
    if not quiz_slug:
        return Question.objects.order_by("pk")
    quiz = Quiz.objects.filter(slug=quiz_slug).first()
    if quiz is None:
        raise QuizImportError(f"There is no quiz with the slug “{quiz_slug}”.")
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
                f"Question {question.pk} (“{question}”) has {len(answers)} answers; the CSV "
                f"holds at most {MAX_CSV_ANSWERS}. Export the other questions with --quiz."
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
    # Formula-like text gets an apostrophe in front (lms.core.exports); _csv_rows takes it away.
    writer = SafeWriter(file)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return len(rows)
