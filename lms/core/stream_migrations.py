"""StreamField data conversions that the migrations of several apps run.

Built on Wagtail's `wagtail.blocks.migrations`: `MigrateStreamData` rewrites the page
rows and every revision of the model (live, latest, drafts and older ones), so a
draft or a reverted-to revision keeps its content too.
"""

from django.db import migrations
from django.utils.deconstruct import deconstructible
from wagtail.blocks.migrations.migrate_operation import MigrateStreamData
from wagtail.blocks.migrations.operations import BaseBlockOperation


@deconstructible
class ImageToWagtailImageBlock(BaseBlockOperation):
    """The image block's value as Wagtail's ImageBlock (image, alt text, decorative) plus
    the caption: {"image": id, "alt_text": text, "caption": caption} becomes
    {"image": {"image": id, "alt_text": text, "decorative": bool}, "caption": caption}.

    The earlier block's help text said "leave empty if decorative" and an empty alt text
    rendered alt="": such an image becomes decorative. Values already converted stay."""

    operation_name_fragment = "image_to_wagtail_imageblock"

    def apply(self, block_value):
        if not isinstance(block_value, dict) or isinstance(block_value.get("image"), dict):
            return block_value
        alt_text = (block_value.get("alt_text") or "").strip()
        return {
            "image": {
                "image": block_value.get("image"),
                "alt_text": alt_text,
                "decorative": not alt_text,
            },
            "caption": block_value.get("caption") or "",
        }


@deconstructible
class ImageFromWagtailImageBlock(BaseBlockOperation):
    """The reverse of ImageToWagtailImageBlock; a decorative image gets an empty alt text."""

    operation_name_fragment = "image_from_wagtail_imageblock"

    def apply(self, block_value):
        if not isinstance(block_value, dict) or not isinstance(block_value.get("image"), dict):
            return block_value
        image = block_value["image"]
        return {
            "image": image.get("image"),
            "alt_text": "" if image.get("decorative") else (image.get("alt_text") or ""),
            "caption": block_value.get("caption") or "",
        }


def convert_image_blocks(app_label: str, model_name: str, field_name: str = "body"):
    """A reversible migration operation: the `image` blocks at the top level of the
    StreamField `field_name` to Wagtail's ImageBlock with a caption (and back)."""
    forward = MigrateStreamData(
        app_label, model_name, field_name, [(ImageToWagtailImageBlock(), "image")]
    )
    backward = MigrateStreamData(
        app_label, model_name, field_name, [(ImageFromWagtailImageBlock(), "image")]
    )
    return migrations.RunPython(
        forward.migrate_stream_data_forward, backward.migrate_stream_data_forward
    )
