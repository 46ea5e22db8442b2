from django.db.models.signals import post_save
from django.dispatch import receiver

from lms.people.models import Department


@receiver(post_save, sender=Department)
def start_rollout_for_new_department(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from lms.rollout.models import DepartmentRollout

        DepartmentRollout.objects.get_or_create(department=instance)
