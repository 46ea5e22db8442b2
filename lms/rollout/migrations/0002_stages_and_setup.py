"""Kotter's eight stages with default criteria, rollout rows for existing departments, the
success-story index page, and who may see or steer the rollout."""

from django.db import migrations

from lms.people.migrations._pages import create_home_child, grant_page_permissions
from lms.people.migrations._permissions import grant

STAGES = [
    (
        1,
        "Analyse der bisherigen Nutzung von Social Media",
        "Analysis of the current use of social media",
        "Wer nutzt welche Kanäle wofür, was funktioniert schon, wo fehlen Regeln?",
        "Who uses which channels for what, what already works, where are rules missing?",
    ),
    (
        2,
        "Dringlichkeit: Workshop zur Relevanz von Social Selling",
        "Sense of urgency: a workshop on why social selling matters",
        "Ein Workshop zeigt, warum Kundinnen und Kunden sich längst online informieren.",
        "A workshop shows that customers have long been informing themselves online.",
    ),
    (
        3,
        "Vorbilder schaffen: erstes Training für Management und Fortgeschrittene",
        "Role models: first training for management and advanced employees",
        "Führungskräfte und Fortgeschrittene gehen voran und werden sichtbar.",
        "Leaders and advanced employees go first and become visible.",
    ),
    (
        4,
        "Kontinuierliche interne Kommunikation der Erfolge",
        "Continuous internal communication of successes",
        "Erfolgsgeschichten aus den Abteilungen werden regelmäßig geteilt.",
        "Success stories from the departments are shared regularly.",
    ),
    (
        5,
        "Bootcamps und Online-Kurse für Mitarbeitende und Führungskräfte",
        "Bootcamps and online courses for employees and leaders",
        "Alle lernen im eigenen Tempo; die Guidelines sind bestätigt.",
        "Everyone learns at their own pace; the guidelines are accepted.",
    ),
    (
        6,
        "Integration ins CRM: Social Selling als messbarer Vertriebskanal",
        "Integration into the CRM, so social selling becomes a measurable channel",
        "Leads, Reichweite und Bewerbungen werden Monat für Monat gemessen.",
        "Leads, reach and applications are measured month by month.",
    ),
    (
        7,
        "Ausrufung des Social Selling Award",
        "The Social Selling Award as an incentive for every employee",
        "Der Award macht gute Beispiele sichtbar und motiviert alle.",
        "The award makes good examples visible and motivates everyone.",
    ),
    (
        8,
        "Interdisziplinäres Social-Media-Team",
        "An interdisciplinary social media team that steers the topic further",
        "Ein Team aus mehreren Abteilungen entwickelt die Strategie weiter.",
        "A team from several departments develops the strategy further.",
    ),
]

# (stage, kind, metric, target, label_de, label_en)
CRITERIA = [
    (
        1,
        "checklist",
        "",
        0,
        "Analyse der bisherigen Social-Media-Nutzung dokumentiert",
        "Analysis of current social media use documented",
    ),
    (2, "evidence", "urgency_workshop", 1, "", ""),
    (3, "evidence", "managers_linkedin", 80, "", ""),
    (
        3,
        "checklist",
        "",
        0,
        "Erstes Training für fortgeschrittene Mitarbeitende durchgeführt",
        "First training for advanced employees held",
    ),
    (4, "evidence", "success_stories", 1, "", ""),
    (5, "evidence", "bootcamp_enrolment", 60, "", ""),
    (5, "evidence", "guidelines_signed", 80, "", ""),
    (5, "evidence", "assigned_courses", 50, "", ""),
    (6, "evidence", "kpi_months", 3, "", ""),
    (
        6,
        "checklist",
        "",
        0,
        "Social Selling als Kanal im CRM angelegt",
        "Social selling set up as a channel in the CRM",
    ),
    (7, "evidence", "award_given", 1, "", ""),
    (
        8,
        "checklist",
        "",
        0,
        "Interdisziplinäres Social-Media-Team benannt",
        "Interdisciplinary social media team named",
    ),
    (
        8,
        "checklist",
        "",
        0,
        "Regelmäßige Treffen des Teams etabliert",
        "Regular team meetings established",
    ),
]

ADMIN_CODENAMES = [
    "view_rollout_board",
    "change_stage",
    "add_criterion",
    "change_criterion",
    "delete_criterion",
    "change_departmentrollout",
    "add_kpirecord",
    "change_kpirecord",
    "delete_kpirecord",
    "add_awardperiod",
    "change_awardperiod",
    "delete_awardperiod",
    "add_integrationtoken",
    "change_integrationtoken",
    "change_awardsettings",
]


def setup(apps, schema_editor):
    Stage = apps.get_model("rollout", "Stage")
    Criterion = apps.get_model("rollout", "Criterion")
    Department = apps.get_model("people", "Department")
    DepartmentRollout = apps.get_model("rollout", "DepartmentRollout")

    for number, name_de, name_en, description_de, description_en in STAGES:
        Stage.objects.update_or_create(
            number=number,
            defaults={
                "name_de": name_de,
                "name_en": name_en,
                "description_de": description_de,
                "description_en": description_en,
            },
        )
    if not Criterion.objects.exists():
        stages = {stage.number: stage for stage in Stage.objects.all()}
        for order, (number, kind, metric, target, label_de, label_en) in enumerate(CRITERIA):
            Criterion.objects.create(
                stage=stages[number],
                kind=kind,
                metric=metric,
                target=target,
                label_de=label_de,
                label_en=label_en,
                sort_order=order,
            )
    for department in Department.objects.all():
        DepartmentRollout.objects.get_or_create(department=department)

    grant(apps, app_label="rollout", codenames=ADMIN_CODENAMES, groups=["Admins"])
    grant(apps, app_label="rollout", codenames=["view_rollout_board"], groups=["Leadership"])

    index = create_home_child(
        apps,
        app_label="rollout",
        model="SuccessStoryIndexPage",
        title="Erfolgsgeschichten",
        slug="erfolge",
    )
    if index is not None:
        grant_page_permissions(
            apps,
            page_id=index.pk,
            permissions={
                "Trainers": ["add_page", "change_page", "publish_page"],
                "Admins": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
            },
        )


def undo(apps, schema_editor):
    apps.get_model("rollout", "SuccessStoryIndexPage").objects.all().delete()
    apps.get_model("auth", "Group").objects.filter(name="Leadership").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rollout", "0001_initial"),
        ("courses", "0007_create_workshop_index"),
        ("people", "0003_user_language"),
    ]

    operations = [migrations.RunPython(setup, undo)]
