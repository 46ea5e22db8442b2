"""Background entry point for the reminders, on the configured TASKS backend."""

from __future__ import annotations

from datetime import date
from typing import Any

from django_tasks import task

from lms.reminders.services import send_due_reminders


@task()
def send_reminders_task(today: str | None = None) -> dict[str, Any]:
    """Send the reminders that are due; `today` is an ISO date (task arguments are JSON)."""
    summary = send_due_reminders(today=date.fromisoformat(today) if today else None)
    return summary.as_dict()
