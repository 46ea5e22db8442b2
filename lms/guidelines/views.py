from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lms.core import exports
from lms.guidelines import selectors, services
from lms.guidelines.forms import ExportFilterForm, OnBehalfForm, ReportFilterForm, SignForm
from lms.guidelines.models import GuidelinePage
from lms.people.models import User
from lms.people.selectors import team_of

STATE_LABELS = selectors.STATE_LABELS
PEOPLE_PER_PAGE = 50


@login_required
@require_POST
def sign(request, document_id: int):
    document = get_object_or_404(GuidelinePage.objects.live(), pk=document_id)
    form = SignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(document.url)
    try:
        _signoff, created = services.sign(
            user=request.user, document=document, version_id=form.cleaned_data["version"]
        )
    except services.SignOffRefused as error:
        messages.error(request, str(error))
        return redirect(document.url)
    if created:
        messages.success(
            request, _("Thank you: you accepted “%(title)s”.") % {"title": document.title}
        )
    target = form.cleaned_data["next"]
    return HttpResponseRedirect(target if _is_local(request, target) else document.url)


def _is_local(request, target: str) -> bool:
    """A path on this site ("/…"); anything else (another host, a bare word) is not followed."""
    return target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _can_see_all(user) -> bool:
    return user.has_perm("guidelines.view_signoff_reports")


@login_required
def report(request):
    """Counts per department; with ?department=<slug> also that department's people (paged)."""
    if not _can_see_all(request.user):
        raise PermissionDenied
    documents = selectors.reportable_documents()
    form = ReportFilterForm(request.GET or None)
    document = None
    if form.is_valid():
        document = form.cleaned_data["document"]
    elif documents:
        document = documents[0]
    department_form = ExportFilterForm(request.GET)
    if not department_form.is_valid():
        raise Http404(_("There is no such department."))
    department = department_form.cleaned_data["department"]
    people = None
    if document is not None and department is not None:
        people = Paginator(
            selectors.department_people(document=document, department=department),
            PEOPLE_PER_PAGE,
        ).get_page(request.GET.get("page"))
    return render(
        request,
        "guidelines/report.html",
        {
            "form": form,
            "document": document,
            "rows": selectors.department_report(document=document) if document else [],
            "documents": documents,
            "department": department,
            "people": people,
            "labels": STATE_LABELS,
        },
    )


@login_required
def export(request, document_id: int, file_format: str = exports.CSV):
    """Every employee in the document's scope, or one department's (?department=<slug>),
    as CSV or .xlsx."""
    if not _can_see_all(request.user):
        raise PermissionDenied
    document = get_object_or_404(GuidelinePage.objects.live(), pk=document_id)
    filename = f"signoffs-{document.slug}"
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        raise Http404(_("There is no such department."))
    department = form.cleaned_data["department"]
    if department is not None:
        filename = f"signoffs-{document.slug}-{department.slug}"
    return exports.export_response(
        spec=selectors.SIGNOFF_EXPORT,
        rows=selectors.signoff_export_rows(document=document, department=department),
        filename=filename,
        file_format=file_format,
        sheet_title=document.title,
    )


@never_cache  # a record for labour-law disputes: no copy in a browser or proxy cache
@login_required
def audit(request, user_id: int):
    employee = get_object_or_404(User, pk=user_id)
    allowed = (
        _can_see_all(request.user) or team_of(manager=request.user).filter(pk=employee.pk).exists()
    )
    if not allowed:
        raise PermissionDenied
    return render(
        request,
        "guidelines/audit.html",
        {"employee": employee, "signoffs": selectors.audit_trail(user=employee)},
    )


@login_required
def team(request):
    # Leavers drop out of the matrix, as out of the assignments' team view; their
    # sign-offs stay on their audit trail.
    members = team_of(manager=request.user).filter(is_active=True)
    if not members.exists() and not _can_see_all(request.user):
        raise PermissionDenied
    documents = selectors.reportable_documents()
    return render(
        request,
        "guidelines/team.html",
        {
            "documents": documents,
            "rows": selectors.team_matrix(members=members, documents=documents),
            "labels": STATE_LABELS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_on_behalf(request):
    if not request.user.has_perm("guidelines.record_signoff_on_behalf"):
        raise PermissionDenied
    form = OnBehalfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        version = selectors.current_version(document=document)
        try:
            _signoff, created = services.sign(
                user=form.cleaned_data["employee"],
                document=document,
                version_id=version.pk if version else 0,
                recorded_by=request.user,
                note=form.cleaned_data["note"],
            )
        except services.SignOffRefused as error:
            form.add_error(None, str(error))
        else:
            if created:
                messages.success(request, _("The sign-off was recorded."))
            else:
                messages.info(request, _("This employee had already accepted the current version."))
            return redirect("guidelines:record")
    return render(request, "guidelines/record.html", {"form": form})
