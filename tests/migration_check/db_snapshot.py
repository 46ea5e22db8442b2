"""Row counts of every table, the triggers, every content type with its id and every page's
content type, as JSON. Run by forward_check.sh through `manage.py shell -c`."""

import json
import os

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from wagtail.models import Page

with connection.cursor() as cursor:
    counts = {}
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    if connection.vendor == "postgresql":
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    triggers = sorted(row[0] for row in cursor.fetchall())
# A moved model keeps its content type row (same id, new app label).
types = {str(ct.pk): f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
pages = {str(pk): ct for pk, ct in Page.objects.values_list("pk", "content_type_id")}
with open(os.environ["SNAPSHOT"], "w") as out:
    json.dump(
        {"counts": counts, "triggers": triggers, "content_types": types, "pages": pages},
        out,
        indent=1,
    )
