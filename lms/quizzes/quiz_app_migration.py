"""A one-off move from django-quiz-app 0.5.1: import its ``dumpdata`` file.

Categories, sub-categories, quizzes, questions with their answers, learners' attempts and
their progress come over in one transaction (``import_quiz_app_dump``): bad data raises
QuizImportError naming the record and how to fix it, and stores nothing. Imported rows keep
their origin in ``import_key``, so importing the same dump again creates and changes nothing.
Run it with ``manage.py import_quiz_app``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lms.core.input_safety import MalformedInput, load_json, whole_number
from lms.quizzes.cleaning import clean_essay
from lms.quizzes.importing import (
    KIND_NAMES,
    ImportSummary,
    QuizImportError,
    attach,
    category_named,
    next_sort_order,
    sub_category_named,
)
from lms.quizzes.models import (
    Answer,
    Category,
    CategoryProgress,
    Question,
    Quiz,
    ReviewMode,
    Sitting,
    SittingAnswer,
    SubCategory,
    question_snapshot,
)

Report = Callable[[str], None]

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
            self.categories[pk] = category_named(name, summary=self.summary)

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
            self.sub_categories[pk] = sub_category_named(
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
                # The old "answers at end" flag: right answers on the result page only.
                review=ReviewMode.AT_END
                if self.flag(QUIZ, pk, fields, "answers_at_end")
                else ReviewMode.AFTER_EACH,
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
            base = next_sort_order(quiz)
            for rank, question_pk in enumerate(sorted(question_pks)):
                attach(
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
