"""The image block is Wagtail's ImageBlock (alt text, or marked decorative) with a caption:
learners get the alt text, or alt="" for a decorative image; the admin refuses an image
with neither. Content stored in the earlier shape is converted by the migrations
(lms.core.stream_migrations)."""

import json
import re

import pytest
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import nested_form_data, streamfield

from courses.models import ModulePage
from lms.core.stream_migrations import ImageFromWagtailImageBlock, ImageToWagtailImageBlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def image():
    return get_image_model().objects.create(title="Reach chart", file=get_test_image_file())


def add_module(client, course, image_value: dict, *, caption: str = "Reach in March"):
    data = nested_form_data(
        {
            "title": "Image module",
            "slug": "image-module",
            "intro": "Look at this",
            "estimated_minutes": "5",
            "required": "on",
            "body": streamfield([("image", {"image": image_value, "caption": caption})]),
            "action-publish": "action-publish",
        }
    )
    return client.post(
        reverse("wagtailadmin_pages:add", args=["courses", "modulepage", course.pk]), data
    )


def img_tags(html: str) -> list[str]:
    figures = re.findall(r'<figure class="block-image">(.*?)</figure>', html, re.S)
    return [tag for figure in figures for tag in re.findall(r"<img [^>]*>", figure)]


def test_an_image_with_alt_text_shows_it_and_the_caption(
    trainer_client, employee_client, course, image
):
    response = add_module(
        trainer_client, course, {"image": image.pk, "alt_text": "Reach of three posts"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    module = ModulePage.objects.get(slug="image-module")
    assert module.live

    html = employee_client.get(module.url).content.decode()
    [tag] = img_tags(html)
    assert 'alt="Reach of three posts"' in tag
    assert "<figcaption>Reach in March</figcaption>" in html


def test_a_decorative_image_renders_an_empty_alt(trainer_client, employee_client, course, image):
    response = add_module(
        trainer_client, course, {"image": image.pk, "alt_text": "", "decorative": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    html = employee_client.get(ModulePage.objects.get(slug="image-module").url).content.decode()
    [tag] = img_tags(html)
    assert 'alt=""' in tag
    assert image.title not in tag  # not Wagtail's fallback to the image title


def test_an_image_without_alt_text_that_is_not_decorative_is_refused(trainer_client, course, image):
    response = add_module(trainer_client, course, {"image": image.pk, "alt_text": ""})
    assert response.status_code == 200
    assert "Please add some alt text for your image or mark it as decorative" in (
        response.content.decode()
    )
    assert not ModulePage.objects.filter(slug="image-module").exists()


def test_content_in_the_earlier_shape_is_converted_and_back():
    forward, backward = ImageToWagtailImageBlock(), ImageFromWagtailImageBlock()
    described = {"image": 7, "alt_text": "A chart", "caption": "March"}
    empty = {"image": 8, "alt_text": "  ", "caption": ""}

    assert forward.apply(described) == {
        "image": {"image": 7, "alt_text": "A chart", "decorative": False},
        "caption": "March",
    }
    # "Leave empty if decorative", said the earlier block; it rendered alt="".
    assert forward.apply(empty) == {
        "image": {"image": 8, "alt_text": "", "decorative": True},
        "caption": "",
    }
    converted = forward.apply(described)
    assert forward.apply(converted) == converted  # a second run changes nothing
    assert backward.apply(converted) == described
    assert backward.apply(forward.apply(empty)) == {"image": 8, "alt_text": "", "caption": ""}


def test_converted_content_renders_with_its_alt_text(employee_client, course, image):
    module = course.get_children().specific().first()
    stored = [{"type": "image", "value": {"image": image.pk, "alt_text": "Old alt", "caption": ""}}]
    module.body = json.dumps(
        [{**child, "value": ImageToWagtailImageBlock().apply(child["value"])} for child in stored]
    )
    module.save_revision().publish()

    [tag] = img_tags(employee_client.get(module.url).content.decode())
    assert 'alt="Old alt"' in tag
