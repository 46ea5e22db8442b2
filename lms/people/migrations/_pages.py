"""Helpers for data migrations that create pages below the home page.

Historical models have no treebeard API, so the materialised path is computed here.
"""

import uuid

STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HOME_PATH = "00010001"


def _step(number: int) -> str:
    digits = ""
    while number:
        number, remainder = divmod(number, len(ALPHABET))
        digits = ALPHABET[remainder] + digits
    return digits.rjust(STEPLEN, "0")


def create_home_child(apps, *, app_label: str, model: str, title: str, slug: str, **fields):
    """Create a live page of the given type below the home page, once; returns it or None."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    PageModel = apps.get_model(app_label, model)

    existing = PageModel.objects.first()
    if existing is not None:
        return existing
    home = Page.objects.filter(path=HOME_PATH).first()
    if home is None:
        return None
    siblings = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1)
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    number = int(last[-STEPLEN:], 36) + 1 if last else 1
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model.lower())
    page = PageModel.objects.create(
        title=title,
        draft_title=title,
        slug=slug,
        content_type=content_type,
        path=home.path + _step(number),
        depth=home.depth + 1,
        numchild=0,
        url_path=f"{home.url_path}{slug}/",
        locale_id=home.locale_id,
        translation_key=uuid.uuid4(),
        live=True,
        **fields,
    )
    home.numchild = siblings.count()
    home.save(update_fields=["numchild"])
    return page


def grant_page_permissions(apps, *, page_id: int, permissions: dict[str, list[str]]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    page_type = ContentType.objects.get(app_label="wagtailcore", model="page")
    for group_name, codenames in permissions.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page_id=page_id,
                permission=Permission.objects.get(content_type=page_type, codename=codename),
            )
