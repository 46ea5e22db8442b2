from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.quizzes import selectors, services
from lms.quizzes.forms import (
    AfterAnswerForm,
    AnswerForm,
    MarkedAnswerForm,
    MarkEssayForm,
    MarkingFilterForm,
    ModuleForm,
    QuestionChoiceForm,
)
from lms.quizzes.models import Mark, Question, Quiz, Sitting
from lms.quizzes.providers import ModuleLink, module_for
from lms.quizzes.signals import notes_for


def _visible_quiz(request, slug):
    quiz = get_object_or_404(Quiz, slug=slug)
    # Checked only for drafts and archived quizzes: permission lookups cost two queries.
    if not quiz.is_available and not selectors.can_edit_quizzes(request.user):
        raise Http404
    return quiz


def _module_from(request, quiz) -> ModuleLink | None:
    """The module named by ``module`` (form, else query string); a bad value names none."""
    for data in (request.POST, request.GET):
        form = ModuleForm(data)
        if data.get("module") and form.is_valid() and form.cleaned_data["module"]:
            return module_for(module_id=form.cleaned_data["module"], quiz=quiz)
    return None


def _after(request) -> int | None:
    form = AfterAnswerForm(request.GET)
    return form.cleaned_data["after"] if form.is_valid() else None


@login_required
def quiz_detail(request, slug):
    quiz = _visible_quiz(request, slug)
    state = selectors.quiz_states(user=request.user, quizzes=[quiz])[quiz.pk]
    return render(
        request,
        "quizzes/quiz_detail.html",
        {
            "quiz": quiz,
            "state": state,
            "module": _module_from(request, quiz),
            # Only editors reach a quiz learners cannot take; they may try it out.
            "preview": not quiz.is_available,
            "question_count": len(services.draw_question_ids(quiz=quiz))
            if not quiz.question_pool_id
            else quiz.max_questions,
        },
    )


@login_required
@require_POST
def start(request, slug):
    quiz = _visible_quiz(request, slug)
    module = _module_from(request, quiz)
    try:
        services.start_sitting(
            user=request.user, quiz=quiz, module_id=module.pk if module else None
        )
    except services.QuizError as error:
        messages.error(request, str(error))
        return redirect("quizzes:detail", slug=quiz.slug)
    return redirect("quizzes:take", slug=quiz.slug)


@login_required
@require_http_methods(["GET", "POST"])
def take(request, slug):
    quiz = _visible_quiz(request, slug)
    resumed = services.resume_sitting(user=request.user, quiz=quiz)
    if resumed.step is not services.Step.ASK:
        return _redirect_after(request, quiz, resumed)
    screen = resumed.screen
    if request.method == "POST":
        posted = QuestionChoiceForm(request.POST)
        if not posted.is_valid():
            return HttpResponseBadRequest(_("The answer names no question."))
        if posted.cleaned_data["question"] != screen.question.pk:
            # A re-sent earlier answer (counted once) or a forged one (refused).
            return _submit(request, quiz, screen.sitting, posted.cleaned_data["question"], {})
        form = AnswerForm(request.POST, question=screen.question, answers=screen.answers)
        if form.is_valid():
            return _submit(request, quiz, screen.sitting, screen.question.pk, form.answer_kwargs())
    else:
        form = AnswerForm(question=screen.question, answers=screen.answers)
    after = _after(request) if quiz.feedback_after_each else None
    return render(
        request,
        "quizzes/take.html",
        {
            "quiz": quiz,
            "sitting": screen.sitting,
            "question": screen.question,
            "answers": screen.answers,
            "form": form,
            "position": screen.position,
            "total": screen.total,
            "feedback": selectors.answer_feedback(sitting=screen.sitting, question_id=after)
            if after
            else None,
        },
    )


def _redirect_after(request, quiz, resumed: services.Resumed):
    """Where the learner goes when the attempt shows no question now, and why."""
    step, sitting, Step = resumed.step, resumed.sitting, services.Step
    if step is Step.TIME_UP:
        messages.warning(
            request, _("Time was up; only the answers you gave before the deadline were scored.")
        )
        return redirect("quizzes:result", pk=sitting.pk)
    if step is Step.NOT_STARTED:
        if request.method == "POST" and sitting is not None:
            # The last answer sent twice: the attempt is already scored.
            return redirect("quizzes:result", pk=sitting.pk)
        messages.info(request, _("Start an attempt first."))
        return redirect("quizzes:detail", slug=quiz.slug)
    if step is Step.WITHDRAWN:
        messages.info(
            request, _("The questions of your attempt were removed from the quiz. Start again.")
        )
        return redirect("quizzes:detail", slug=quiz.slug)
    if step is Step.FINISHED:
        messages.info(
            request,
            _("The rest of your attempt was removed from the quiz; your answers were scored."),
        )
        return redirect("quizzes:result", pk=sitting.pk)
    messages.info(
        request, _("A question was removed from the quiz; your attempt continues with the next.")
    )
    return redirect("quizzes:take", slug=quiz.slug)


def _submit(request, quiz, sitting, question_id, answer):
    try:
        result = services.submit_answer(
            user=request.user, sitting_id=sitting.pk, question_id=question_id, **answer
        )
    except services.TimeUp as error:
        messages.warning(request, str(error))
        return redirect("quizzes:result", pk=sitting.pk)
    except services.QuizError as error:
        messages.error(request, str(error))
        return redirect("quizzes:take", slug=quiz.slug)
    url = reverse("quizzes:take", kwargs={"slug": quiz.slug})
    if result.finished:
        url = reverse("quizzes:result", kwargs={"pk": sitting.pk})
    if result.skipped:
        messages.info(
            request,
            _("This question was removed from the quiz, so your answer could not be counted."),
        )
        return redirect(url)
    if quiz.feedback_after_each and not result.duplicate:
        url += f"?after={question_id}"
    return redirect(url)


def _can_view_sitting(user, sitting) -> bool:
    if sitting.user_id == user.pk:
        return True
    return selectors.can_mark(user) and (sitting.quiz.exam_paper or sitting.needs_marking)


@login_required
def result(request, pk):
    sitting = get_object_or_404(Sitting.objects.select_related("quiz", "user", "module"), pk=pk)
    if not _can_view_sitting(request.user, sitting):
        raise Http404
    if not sitting.complete:
        return redirect("quizzes:take", slug=sitting.quiz.slug)
    own = sitting.user_id == request.user.pk
    state = selectors.quiz_states(user=sitting.user, quizzes=[sitting.quiz])[sitting.quiz_id]
    return render(
        request,
        "quizzes/result.html",
        {
            "sitting": sitting,
            "quiz": sitting.quiz,
            "review": selectors.sitting_review(
                sitting=sitting, for_learner=own, quiz_passed=state.passed
            ),
            # The module the attempt was started from, while it is live ("back to the module").
            "module": module_for(module_id=sitting.module_id, quiz=sitting.quiz, sitting=sitting),
            "state": state,
            # What the learner still has to do before the pass counts (the layers above answer).
            "notes": notes_for(sitting=sitting) if sitting.passed and own else [],
        },
    )


@login_required
def progress(request):
    return render(
        request,
        "quizzes/progress.html",
        {
            "categories": selectors.category_progress(user=request.user),
            "papers": selectors.exam_papers(user=request.user),
        },
    )


def _require_marker(request):
    if not selectors.can_mark(request.user):
        raise PermissionDenied


@login_required
def marking_queue(request):
    _require_marker(request)
    form = MarkingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    quiz = filters.get("quiz")
    sittings = selectors.marking_queue(
        marker=request.user,
        quiz_id=quiz.pk if quiz else None,
        username=filters.get("user", ""),
        include_marked=filters.get("include_marked", False),
    )
    page = Paginator(sittings, 25).get_page(request.GET.get("page"))
    return render(request, "quizzes/marking_queue.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def mark_sitting(request, pk):
    _require_marker(request)
    sitting = get_object_or_404(
        Sitting.objects.select_related("quiz", "user"), pk=pk, complete=True
    )
    if sitting.user_id == request.user.pk:
        raise PermissionDenied(_("You cannot mark your own attempt; another trainer marks it."))
    answers = list(selectors.essay_answers(sitting=sitting))
    if not answers:
        raise Http404
    errors = {}
    if request.method == "POST":
        chosen = MarkedAnswerForm(request.POST)
        answer_id = chosen.cleaned_data["answer"] if chosen.is_valid() else None
        target = next((a for a in answers if a.pk == answer_id), None)
        if target is None:
            return HttpResponseBadRequest(_("That answer is not part of this attempt."))
        form = MarkEssayForm(request.POST, prefix=f"answer-{target.pk}")
        if form.is_valid():
            try:
                services.mark_essay(
                    marker=request.user,
                    answer_id=target.pk,
                    correct=form.cleaned_data["correct"],
                    comment=form.cleaned_data["comment"],
                )
            except services.QuizError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Mark saved."))
                return redirect("quizzes:mark", pk=sitting.pk)
        errors[target.pk] = form
    forms = [
        (
            answer,
            errors.get(answer.pk)
            or MarkEssayForm(
                prefix=f"answer-{answer.pk}",
                initial={
                    "correct": None
                    if answer.is_correct is None
                    else (Mark.RIGHT if answer.is_correct else Mark.WRONG),
                    "comment": answer.marker_comment,
                },
            ),
        )
        for answer in answers
    ]
    sitting.refresh_from_db()
    return render(
        request,
        "quizzes/mark_sitting.html",
        {"sitting": sitting, "forms": forms, "Question": Question},
    )
