"""Video embeds without outside calls.

Wagtail's default embed finder asks the video host's oEmbed endpoint for the player
HTML, from the server, when an editor saves a video block and when a page renders an
embed that is not cached yet. On an intranet without internet that call hangs until it
times out, and the editor then refuses the block. This finder builds the player markup
from the URL alone:

- YouTube (watch?v=, youtu.be/, shorts/, embed/, live/) becomes the privacy-enhanced
  player on www.youtube-nocookie.com; Vimeo (vimeo.com/<id>) the player on
  player.vimeo.com with do-not-track. The video id is checked against a strict pattern,
  so nothing from the URL but a validated id reaches the markup.
- A video file (.mp4, .webm, .ogg/.ogv) on the site itself (its media or document URLs)
  or on a host listed in INTRANET_VIDEO_HOSTS becomes a <video> element.
- Anything else is not found, at once; Wagtail's oEmbed finder runs after this one only
  if WAGTAILEMBEDS_OEMBED is switched on.

The site's Content-Security-Policy allows exactly these: frame-src the two player hosts
(PLAYER_ORIGINS, CSP_FRAME_HOSTS), media-src the site and INTRANET_VIDEO_HOSTS.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.utils.html import format_html
from wagtail.embeds.exceptions import EmbedNotFoundException
from wagtail.embeds.finders.base import EmbedFinder

YOUTUBE_PLAYER = "https://www.youtube-nocookie.com"
VIMEO_PLAYER = "https://player.vimeo.com"
# The hosts whose players the finder's iframes load; the CSP's frame-src must allow them.
PLAYER_ORIGINS = (YOUTUBE_PLAYER, VIMEO_PLAYER)

VIDEO_EXTENSIONS = (".mp4", ".webm", ".ogg", ".ogv")

WIDTH = 640
HEIGHT = 360  # 16:9

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_ID = re.compile(r"[0-9]{1,12}")
_VIMEO_HASH = re.compile(r"[0-9a-f]{6,32}")
_START = re.compile(r"(?:(?P<h>[0-9]{1,2})h)?(?:(?P<m>[0-9]{1,3})m)?(?:(?P<s>[0-9]{1,5})s?)?")

_YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com"}


@dataclass(frozen=True)
class Player:
    provider: str
    src: str
    title: str


@dataclass(frozen=True)
class VideoFile:
    src: str
    title: str


def origin(url: str) -> str:
    """scheme://host[:port] of an http(s) URL, lower-cased; "" for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[parts.scheme.lower()]
    suffix = f":{port}" if port and port != default_port else ""
    return f"{parts.scheme.lower()}://{host}{suffix}"


def _start_seconds(value: str) -> int | None:
    match = _START.fullmatch(value or "")
    if not value or not match:
        return None
    seconds = int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + int(match["s"] or 0)
    return seconds or None


def _youtube(parts, query) -> Player | None:
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    video_id = None
    if host == "youtu.be" and len(segments) == 1:
        video_id = segments[0]
    elif host in _YOUTUBE_HOSTS:
        if segments == ["watch"]:
            values = query.get("v", [])
            video_id = values[0] if len(values) == 1 else None
        elif len(segments) == 2 and segments[0] in ("shorts", "embed", "live", "v"):
            video_id = segments[1]
    if not video_id or not _YOUTUBE_ID.fullmatch(video_id):
        return None
    src = f"{YOUTUBE_PLAYER}/embed/{video_id}"
    start = _start_seconds((query.get("t") or query.get("start") or [""])[0])
    if start:
        src += f"?start={start}"
    return Player(provider="YouTube", src=src, title=f"Video (YouTube, {video_id})")


def _vimeo(parts, query) -> Player | None:
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    video_id = private_hash = None
    if host in _VIMEO_HOSTS and segments:
        video_id = segments[0]
        private_hash = segments[1] if len(segments) == 2 else None
        if len(segments) > 2:
            return None
    elif host == "player.vimeo.com" and len(segments) == 2 and segments[0] == "video":
        video_id = segments[1]
        private_hash = (query.get("h") or [None])[0]
    if not video_id or not _VIMEO_ID.fullmatch(video_id):
        return None
    if private_hash is not None and not _VIMEO_HASH.fullmatch(private_hash):
        return None
    src = f"{VIMEO_PLAYER}/video/{video_id}?dnt=1"
    if private_hash:
        src += f"&h={private_hash}"
    return Player(provider="Vimeo", src=src, title=f"Video (Vimeo, {video_id})")


def video_file_origins() -> set[str]:
    """Where a <video> may load files from: the site itself and INTRANET_VIDEO_HOSTS."""
    origins = {origin(settings.WAGTAILADMIN_BASE_URL)}
    origins.update(origin(host) for host in getattr(settings, "INTRANET_VIDEO_HOSTS", []))
    origins.discard("")
    return origins


def _site_paths() -> tuple[str, ...]:
    """The site's own URLs that serve uploaded files: media and Wagtail documents."""
    return (settings.MEDIA_URL, "/documents/")


def _video_file(url: str, parts) -> VideoFile | None:
    source = origin(url)
    if not source or source not in video_file_origins():
        return None
    if parts.username or parts.password:
        return None
    path = unquote(parts.path)
    extension = posixpath.splitext(path)[1].lower()
    if extension not in VIDEO_EXTENSIONS:
        return None
    own_site = source == origin(settings.WAGTAILADMIN_BASE_URL)
    listed = source in {origin(h) for h in getattr(settings, "INTRANET_VIDEO_HOSTS", [])}
    if own_site and not listed and not path.startswith(_site_paths()):
        return None
    name = posixpath.basename(path)
    return VideoFile(src=url.strip(), title=f"Video: {name}")


def recognise(url: str) -> Player | VideoFile | None:
    """What the finder would embed for url, or None."""
    if not isinstance(url, str) or any(c in url for c in "\r\n\t\x00"):
        return None
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    query = parse_qs(parts.query)
    return _youtube(parts, query) or _vimeo(parts, query) or _video_file(url, parts)


def _size(max_width: int | None, max_height: int | None) -> tuple[int, int]:
    width = WIDTH
    if max_width:
        width = min(width, int(max_width))
    if max_height:
        width = min(width, int(max_height) * 16 // 9)
    return width, width * 9 // 16


class IntranetVideoFinder(EmbedFinder):
    """Wagtail embed finder (WAGTAILEMBEDS_FINDERS) that never calls another server."""

    def __init__(self, **options):
        self.options = options

    def accept(self, url: str) -> bool:
        return recognise(url) is not None

    def find_embed(self, url: str, max_width: int | None = None, max_height: int | None = None):
        found = recognise(url)
        if found is None:
            raise EmbedNotFoundException
        width, height = _size(max_width, max_height)
        if isinstance(found, Player):
            html = format_html(
                '<iframe src="{}" title="{}" width="{}" height="{}" '
                'allow="fullscreen; picture-in-picture" allowfullscreen loading="lazy" '
                'referrerpolicy="strict-origin-when-cross-origin"></iframe>',
                found.src,
                found.title,
                width,
                height,
            )
            provider = found.provider
        else:
            html = format_html(
                '<video controls preload="metadata" src="{}" title="{}" width="{}" height="{}">'
                '<a href="{}">{}</a></video>',
                found.src,
                found.title,
                width,
                height,
                found.src,
                found.title,
            )
            provider = ""
        return {
            "title": found.title,
            "author_name": "",
            "provider_name": provider,
            "type": "video",
            "thumbnail_url": "",
            "width": width,
            "height": height,
            "html": str(html),
        }


embed_finder_class = IntranetVideoFinder
