"""Signals the KPI app sends; apps above it (the rollout board) listen.

``kpi_records_changed`` is sent after a commit that stored KPI records in bulk (the import
and the API), which send no ``post_save``. Saves and deletes of single records (the
snippet admin) send Django's own model signals as usual.
"""

from django.dispatch import Signal

kpi_records_changed = Signal()
