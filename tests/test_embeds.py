"""Outside calls: video blocks are embedded without the server calling YouTube, Vimeo or
any other host (lms/core/embeds.py), and the site's CSP allows exactly what the finder builds.

Every test here runs with outside connections cut off (the no_outside_calls fixture), so
none can pass by reaching an oEmbed endpoint."""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from wagtail.embeds.models import Embed
from wagtail.test.utils.form_data import nested_form_data, streamfield

from courses.models import ModulePage
from lms.core.embeds import PLAYER_ORIGINS
from tests import factories
from tests.test_security_headers import directives, inline_code
from tests.test_settings import import_settings

pytestmark = pytest.mark.django_db

INTRANET = "https://video.firma.internal"
# The site's address (Django's URL field refuses a host without a dot, such as testserver).
SITE = "https://lms.firma.internal"
NOT_FOUND = "Cannot find an embed for this URL."


def _is_loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_outside_calls(monkeypatch):
    """Any connection to, or name lookup of, a non-loopback host fails and is recorded."""
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo
    real_urlopen = urllib.request.urlopen

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            attempts.append(f"connect {address!r}")
            raise ConnectionRefusedError(f"outside call in a test: {address!r}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_loopback(host if isinstance(host, str) else None):
            attempts.append(f"lookup {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"outside lookup in a test: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def urlopen(url, *args, **kwargs):
        target = url.full_url if isinstance(url, urllib.request.Request) else str(url)
        host = urllib.request.urlparse(target).hostname
        if not _is_loopback(host):
            attempts.append(f"urlopen {target!r}")
            raise OSError(f"outside call in a test: {target!r}")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    yield attempts
    assert not attempts, f"the server called out: {attempts}"


@pytest.fixture(autouse=True)
def site_address(settings):
    settings.WAGTAILADMIN_BASE_URL = SITE


@pytest.fixture
def intranet_videos(settings):
    settings.INTRANET_VIDEO_HOSTS = [INTRANET]


def add_module(client, course, url: str, *, slug: str = "video-module"):
    data = nested_form_data(
        {
            "title": "Video module",
            "slug": slug,
            "intro": "Watch this",
            "estimated_minutes": "5",
            "required": "on",
            "body": streamfield([("video", {"video": url, "caption": "Intro film"})]),
            "action-publish": "action-publish",
        }
    )
    return client.post(
        reverse("wagtailadmin_pages:add", args=["courses", "modulepage", course.pk]), data
    )


YOUTUBE_IFRAME = (
    '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" '
    'title="Video (YouTube, dQw4w9WgXcQ)" width="640" height="360" '
    'allow="fullscreen; picture-in-picture" allowfullscreen loading="lazy" '
    'referrerpolicy="strict-origin-when-cross-origin"></iframe>'
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", YOUTUBE_IFRAME),
        ("https://youtu.be/dQw4w9WgXcQ", YOUTUBE_IFRAME),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", YOUTUBE_IFRAME),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", YOUTUBE_IFRAME),
        (
            "https://youtu.be/dQw4w9WgXcQ?t=1m30s",
            'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=90"',
        ),
        (
            "https://vimeo.com/76979871",
            '<iframe src="https://player.vimeo.com/video/76979871?dnt=1" '
            'title="Video (Vimeo, 76979871)"',
        ),
        (
            "https://vimeo.com/76979871/1a2b3c4d5e",
            'src="https://player.vimeo.com/video/76979871?dnt=1&amp;h=1a2b3c4d5e"',
        ),
        (
            f"{INTRANET}/schulung/intro.mp4",
            f'<video controls preload="metadata" src="{INTRANET}/schulung/intro.mp4" '
            f'title="Video: intro.mp4" width="640" height="360">'
            f'<a href="{INTRANET}/schulung/intro.mp4">Video: intro.mp4</a></video>',
        ),
        (
            f"{SITE}/media/videos/welcome.webm",
            f'<video controls preload="metadata" src="{SITE}/media/videos/welcome.webm"',
        ),
        (
            f"{SITE}/documents/12/onboarding.mp4",
            f'src="{SITE}/documents/12/onboarding.mp4"',
        ),
    ],
)
def test_a_trainer_saves_a_video_block_and_learners_see_the_player(
    trainer_client, employee_client, course, intranet_videos, url, expected
):
    response = add_module(trainer_client, course, url)
    assert response.status_code == 302, response.content.decode()[:3000]
    module = ModulePage.objects.get(slug="video-module")
    assert module.live
    assert module.body[0].value["video"].url == url
    assert Embed.objects.filter(url=url).exists()

    page = employee_client.get(module.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert expected in html
    assert "Intro film" in html
    # Wagtail's responsive wrapper (a style="" attribute) would be refused by the CSP.
    assert inline_code(html) == []
    frame_src = directives(page)["frame-src"]
    assert all(player in frame_src for player in PLAYER_ORIGINS)


@pytest.mark.parametrize(
    "url",
    [
        'https://www.youtube.com/watch?v="><script>alert(1)</script>',
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&v=other",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ%22onload=",
        "https://vimeo.com/123abc",
        "https://vimeo.com/76979871/%22%3E%3Cscript%3E",
        "javascript:alert(1)//youtu.be/dQw4w9WgXcQ",
    ],
)
def test_a_hostile_video_url_is_refused(trainer_client, course, url):
    response = add_module(trainer_client, course, url)
    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_FOUND in page or "Enter a valid URL." in page
    assert not ModulePage.objects.filter(slug="video-module").exists()
    assert "<script>alert(1)</script>" not in page
    assert not Embed.objects.exists()


def test_a_video_file_url_with_markup_is_escaped(
    trainer_client, employee_client, course, intranet_videos
):
    url = f'{INTRANET}/a"onerror="alert(1)"><script>alert(2)</script>.mp4'
    response = add_module(trainer_client, course, url)
    assert response.status_code == 302, response.content.decode()[:3000]
    html = employee_client.get(ModulePage.objects.get(slug="video-module").url).content.decode()
    assert "<script>alert(2)</script>" not in html
    assert 'onerror="alert(1)"' not in html
    assert "&quot;onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;" in html


@pytest.mark.parametrize(
    "url",
    [
        "https://videos.example.com/watch/123",
        "https://www.dailymotion.com/video/x7tgad0",
        # a video file, but on a host that is neither the site nor INTRANET_VIDEO_HOSTS
        "https://cdn.example.com/intro.mp4",
        # the site itself, but not one of its media or document URLs
        f"{SITE}/admin/intro.mp4",
        f"{INTRANET}/intro.mp4",  # INTRANET_VIDEO_HOSTS is empty by default
    ],
)
def test_an_unknown_host_is_refused_at_once_with_the_form_error(trainer_client, course, url):
    started = time.monotonic()
    response = add_module(trainer_client, course, url)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert NOT_FOUND in response.content.decode()
    assert not ModulePage.objects.filter(slug="video-module").exists()
    assert elapsed < 5, f"refusing took {elapsed:.1f}s"


def test_a_video_url_of_an_existing_module_is_still_shown_as_a_link(employee_client, course):
    """An embed the finder cannot build (e.g. a URL stored before) falls back to a link."""
    module = factories.modules_of(course)[0]
    module.body = [("video", {"video": "https://videos.example.com/watch/123", "caption": ""})]
    module.save_revision().publish()
    html = employee_client.get(module.url).content.decode()
    assert '<a href="https://videos.example.com/watch/123">Watch the video</a>' in html


# --- settings ------------------------------------------------------------------------------

PRODUCTION = {"SECRET_KEY": "x" * 60, "WAGTAILADMIN_BASE_URL": "https://lms.firma.internal"}
PLAYERS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]


def show(**env):
    """The finders, frame-src and media-src that the production settings compute from this
    environment (they are settings, so they are read by importing the settings afresh)."""
    loaded = import_settings("lms.settings.production", **PRODUCTION, **env)
    csp = loaded.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    finders = [finder["class"] for finder in loaded.WAGTAILEMBEDS_FINDERS]
    return finders, csp["frame-src"], csp["media-src"]


def test_by_default_only_the_intranet_finder_runs():
    assert [f["class"] for f in django_settings.WAGTAILEMBEDS_FINDERS] == [
        "lms.core.embeds.IntranetVideoFinder"
    ]
    finders, frame_src, media_src = show()
    assert finders == ["lms.core.embeds.IntranetVideoFinder"]
    assert frame_src == ["'self'", *PLAYERS]
    assert media_src == ["'self'"]


def test_oembed_is_added_after_the_intranet_finder_only_when_switched_on():
    finders, frame_src, _media_src = show(WAGTAILEMBEDS_OEMBED="true")
    assert finders == ["lms.core.embeds.IntranetVideoFinder", "wagtail.embeds.finders.oembed"]
    # the player oEmbed returns for YouTube
    assert frame_src == ["'self'", *PLAYERS, "https://www.youtube.com"]


def test_intranet_video_hosts_are_allowed_as_media_sources():
    _finders, frame_src, media_src = show(
        INTRANET_VIDEO_HOSTS=f"{INTRANET}, https://media.firma.internal:8443/",
        CSP_FRAME_HOSTS="https://player.firma.internal",
    )
    assert media_src == ["'self'", INTRANET, "https://media.firma.internal:8443"]
    assert frame_src == ["'self'", *PLAYERS, "https://player.firma.internal"]


@pytest.mark.parametrize(
    "value", ["video.firma.internal", "https://video.firma.internal/path", "ftp://video.firma"]
)
def test_an_intranet_video_host_that_is_not_an_origin_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="INTRANET_VIDEO_HOSTS"):
        import_settings("lms.settings.production", INTRANET_VIDEO_HOSTS=value, **PRODUCTION)


def test_the_csp_allows_the_players_the_finder_builds():
    frame_src = django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"]
    assert set(PLAYER_ORIGINS) <= set(frame_src)
    assert set(PLAYER_ORIGINS) <= set(django_settings.PERMISSIONS_POLICY["fullscreen"])
