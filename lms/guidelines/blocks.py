from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from lms.core.blocks import LearningContentBlock


class ApprovalRuleBlock(blocks.StructBlock):
    topic = blocks.CharBlock(label=_("Topic"), max_length=200)
    approval_needed = blocks.BooleanBlock(label=_("Approval needed"), required=False)
    approver_role = blocks.CharBlock(label=_("Approver role"), max_length=120, required=False)
    max_response_hours = blocks.IntegerBlock(
        label=_("Maximum response time (hours)"), min_value=0, required=False
    )

    class Meta:
        icon = "tick"
        label = _("Rule")


class ApprovalMatrixBlock(blocks.StructBlock):
    rows = blocks.ListBlock(ApprovalRuleBlock(), label=_("Rules"))

    class Meta:
        icon = "table"
        label = _("Approval matrix")
        template = "blocks/approval_matrix.html"


class CrisisContactBlock(blocks.StructBlock):
    role = blocks.CharBlock(label=_("Role"), max_length=120)
    name = blocks.CharBlock(label=_("Name"), max_length=120)
    phone = blocks.CharBlock(label=_("Phone"), max_length=60, required=False)
    email = blocks.EmailBlock(label=_("Email"), required=False)
    on_call = blocks.CharBlock(label=_("On call"), max_length=120, required=False)
    deputy = blocks.CharBlock(label=_("Deputy"), max_length=120, required=False)

    class Meta:
        icon = "user"
        label = _("Contact")


class CrisisContactsBlock(blocks.StructBlock):
    contacts = blocks.ListBlock(CrisisContactBlock(), label=_("Contacts"))

    class Meta:
        icon = "warning"
        label = _("Crisis contacts")
        template = "blocks/crisis_contacts.html"


class GuidelineContentBlock(LearningContentBlock):
    approval_matrix = ApprovalMatrixBlock()
    crisis_contacts = CrisisContactsBlock()
