from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared infrastructure: caching and its invalidation, tabular import, exports."""

    name = "lms.core"
    label = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The lowest app, so these run before any other app's models are used.
        from lms.core import admin_filters, db_ranges, export_sql, learner_cache, wagtail_compat

        db_ranges.register()
        export_sql.register()
        wagtail_compat.install()
        admin_filters.register()
        learner_cache.connect_page_changes()

        from lms.core.startup import register_warm_up

        register_warm_up("site_roots", _warm_up_site_roots)


def _warm_up_site_roots() -> None:
    """Wagtail's root paths of the sites, which every page URL is built from (cached)."""
    from wagtail.models import Site

    Site.get_site_root_paths()
