from django.contrib.auth import views as auth_views
from django.urls import path

from lms.people import views
from lms.people.forms import SiteLoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=SiteLoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("account/", views.account, name="account"),
    # A guest's start page (the site root sends them here).
    path("bootcamps/", views.guest_home, name="guest_home"),
    # Django's names: its views redirect to each other by them.
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
