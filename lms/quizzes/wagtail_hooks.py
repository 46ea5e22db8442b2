from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from lms.quizzes.models import Category, Question, Quiz


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "form"
    menu_label = _("Quizzes")
    list_display = ["title", "category", "pass_mark", "draft"]
    list_filter = ["draft", "category"]
    search_fields = ["title"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Question bank")
    list_display = ["__str__", "kind", "category"]
    list_filter = ["kind", "category"]
    search_fields = ["content"]


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-inverse"
    menu_label = _("Quiz categories")
    list_display = ["name", "slug"]


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
