"""What both quiz imports share: the error, the summary, categories and quiz membership.

The imports are lms/quizzes/quiz_app_migration.py (a one-off move from django-quiz-app) and
lms/quizzes/question_csv.py (the trainers' question tables). Every import runs in one
transaction: bad input raises QuizImportError and stores nothing. Imported rows remember where
they came from (``import_key``), so running the same import again creates nothing and changes
nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from lms.core.tabular import RowError, TableError
from lms.quizzes.models import Category, Question, Quiz, QuizQuestion, SubCategory

KIND_NAMES = {
    Question.MULTIPLE_CHOICE: "multiple-choice",
    Question.TRUE_FALSE: "true/false",
    Question.ESSAY: "essay",
}


class QuizImportError(TableError):
    """Input that cannot be imported; the message names the record and how to fix it.

    For a question table, ``errors`` names every problem by row and column; the lines show
    the row only, since each message starts with what it is about.
    """

    def headline_for(self, count: int) -> str:
        return _("The CSV has %(count)s error(s); nothing was imported.") % {"count": count}

    def line(self, error: RowError) -> str:
        return f"{error.place(column=False)}: {error.message}"

    def text(self) -> str:
        if all(error.rows == (1,) for error in self.errors):
            # A problem with the header row is one sentence about the whole file.
            return "\n".join(capfirst(self.line(error)) for error in self.errors)
        return super().text()


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


def unique_category_slug(name: str) -> str:
    base = slugify(name)[:240] or "category"
    slug, number = base, 2
    while Category.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def category_named(name: str, *, summary: ImportSummary) -> Category:
    category = Category.objects.filter(name=name).first()
    summary.count("categories", created=category is None)
    if category is None:
        category = Category.objects.create(name=name, slug=unique_category_slug(name))
    return category


def sub_category_named(category: Category, name: str, *, summary: ImportSummary) -> SubCategory:
    sub_category = SubCategory.objects.filter(category=category, name=name).first()
    summary.count("sub-categories", created=sub_category is None)
    if sub_category is None:
        sub_category = SubCategory.objects.create(
            category=category,
            name=name,
            sort_order=SubCategory.objects.filter(category=category).count(),
        )
    return sub_category


def attach(quiz: Quiz, question: Question, *, sort_order: int, summary: ImportSummary) -> bool:
    """Put the question into the quiz unless it is there; True if it was added."""
    _item, created = QuizQuestion.objects.get_or_create(
        quiz=quiz, question=question, defaults={"sort_order": sort_order}
    )
    summary.count("quiz questions", created=created)
    return created


def next_sort_order(quiz: Quiz) -> int:
    highest = quiz.quiz_questions.aggregate(highest=Max("sort_order"))["highest"]
    return 0 if highest is None else highest + 1
