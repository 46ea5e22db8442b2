import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

application = get_asgi_application()

# Before the first request, not in it (lms/core/startup.py); LMS_WARM_UP=0 skips it.
if os.environ.get("LMS_WARM_UP", "1") != "0":
    from lms.core.startup import warm_up

    warm_up()
