"""Row counts of every table, the seat triggers and the moved content types, as JSON.
Run by forward_check.sh through `manage.py shell -c`."""

import json
import os

from django.contrib.contenttypes.models import ContentType
from django.db import connection

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
moved = ("workshopindexpage", "workshoppage", "workshopsession", "booking")
types = {
    f"{ct.app_label}.{ct.model}": ct.pk
    for ct in ContentType.objects.filter(model__in=moved, app_label__in=["courses", "workshops"])
}
with open(os.environ["SNAPSHOT"], "w") as out:
    json.dump({"counts": counts, "triggers": triggers, "content_types": types}, out, indent=1)
