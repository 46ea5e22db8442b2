"""StreamField blocks trainers use to write course modules (and, later, other pages)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock as WagtailImageBlock

# Links and simple lists are all a module needs; headings have their own block so
# the outline stays consistent.
RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Section heading")), ("h3", _("Sub-heading"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    """Wagtail's ImageBlock (the image with its alt text, or marked decorative) and a caption.

    Stored as {"image": {"image": id, "alt_text": ..., "decorative": ...}, "caption": ...};
    the data migrations "wagtail_imageblock" (lms.core.stream_migrations) converted the
    earlier {"image": id, "alt_text": ..., "caption": ...}."""

    image = WagtailImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video URL"), help_text=_("A YouTube, Vimeo or intranet video URL."))
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "blocks/video.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[("tip", _("Tip")), ("info", _("Information")), ("warning", _("Warning"))],
        default="tip",
    )
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "help"
        label = _("Tip / callout")
        template = "blocks/callout.html"


class DoDontBlock(blocks.StructBlock):
    dos = blocks.ListBlock(blocks.CharBlock(label=_("Do")), label=_("Do"))
    donts = blocks.ListBlock(blocks.CharBlock(label=_("Don't")), label=_("Don't"))

    class Meta:
        icon = "tasks"
        label = _("Do and don't")
        template = "blocks/do_dont.html"


class ChecklistBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    items = blocks.ListBlock(blocks.CharBlock(label=_("Item")), label=_("Items"))

    class Meta:
        icon = "list-ul"
        label = _("Checklist")
        template = "blocks/checklist.html"


NETWORKS = [
    ("linkedin", "LinkedIn"),
    ("xing", "XING"),
    ("instagram", "Instagram"),
    ("facebook", "Facebook"),
]


class ExamplePostBlock(blocks.StructBlock):
    network = blocks.ChoiceBlock(label=_("Network"), choices=NETWORKS, default="linkedin")
    author = blocks.CharBlock(label=_("Author"), max_length=120)
    text = blocks.TextBlock(label=_("Post text"))

    class Meta:
        icon = "openquote"
        label = _("Example post")
        template = "blocks/example_post.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        # The network's own spelling ("LinkedIn", "XING"), not the stored key capitalised.
        context["network_label"] = dict(NETWORKS).get(value.get("network"), value.get("network"))
        return context


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    description = blocks.CharBlock(label=_("Description"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Downloadable document")
        template = "blocks/document.html"


class LearningContentBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Rich text"), features=RICH_TEXT_FEATURES, icon="pilcrow"
    )
    image = ImageBlock()
    video = VideoBlock()
    callout = CalloutBlock()
    do_dont = DoDontBlock()
    checklist = ChecklistBlock()
    example_post = ExamplePostBlock()
    document = DocumentBlock()
