from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from lms.core.admin_protection import (
    ProtectedDeleteView,
    ProtectedEditView,
    refuse_protected_delete,
)
from lms.core.admin_views import PermissionMenuItem
from lms.quizzes import admin_views
from lms.quizzes.models import Category, Question, Quiz

# Every snippet (quizzes, questions, tracks, …): deleting one that records refer to is
# refused with a message instead of failing on the database's PROTECT.
hooks.register("before_delete_snippet", refuse_protected_delete)


class CurrentOnlyChooserViewSet(SnippetChooserViewSet):
    """Choosers offer current content only: archived quizzes and questions are retired."""

    def get_object_list(self):
        return self.model.objects.filter(archived=False)


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "form"
    menu_label = _("Quizzes")
    list_display = ["title", "category", "pass_mark", "draft", "archived"]
    list_filter = ["draft", "archived", "category"]
    search_fields = ["title"]
    chooser_viewset_class = CurrentOnlyChooserViewSet
    delete_view_class = ProtectedDeleteView


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Question bank")
    list_display = ["__str__", "kind", "category", "archived"]
    list_filter = ["kind", "archived", "category"]
    search_fields = ["content"]
    chooser_viewset_class = CurrentOnlyChooserViewSet
    delete_view_class = ProtectedDeleteView
    # The form refuses deleting a chosen answer option; this catches one chosen meanwhile.
    edit_view_class = ProtectedEditView


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-inverse"
    menu_label = _("Quiz categories")
    list_display = ["name", "slug"]
    # Learners' running totals, questions and quizzes keep a category (PROTECT).
    delete_view_class = ProtectedDeleteView


class QuizGroup(SnippetViewSetGroup):
    menu_label = _("Quizzes")
    menu_icon = "form"
    menu_order = 220
    items = (QuizViewSet, QuestionViewSet, CategoryViewSet)


register_snippet(QuizGroup)


class MarkingMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("quizzes.mark_quizzes")


@hooks.register("register_admin_menu_item")
def register_marking_menu_item():
    return MarkingMenuItem(
        _("Marking queue"), reverse("quizzes:marking"), icon_name="tick-inverse", order=230
    )


@hooks.register("register_admin_urls")
def register_question_import_url():
    return [
        path(
            "quizzes/import-questions/",
            admin_views.QuestionImportView.as_view(),
            name="quizzes_import_questions",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_question_import_menu_item():
    return PermissionMenuItem(
        _("Import questions"),
        reverse("quizzes_import_questions"),
        permission=admin_views.PERMISSION,
        name="import-questions",
        icon_name="upload",
        order=225,
    )
