"""Cleaning of learner-written HTML (essay answers). Nothing else is trusted."""

import re

import bleach
from bleach.html5lib_shim import Filter

ESSAY_TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "code", "a"})
ESSAY_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Only absolute links: http(s) with a host, or mailto with an address. No relative or
# protocol-relative ("//host") links, which would point into this site or wherever the
# page is served from, and no other scheme.
ABSOLUTE_LINK = re.compile(r"(?:https?://[^/?#\s\\@]+(?:[/?#]\S*)?|mailto:[^\s/]+@[^\s/]+)", re.I)
LINK_REL = "nofollow noopener noreferrer"


def _absolute_href_only(tag: str, name: str, value: str) -> bool:
    return tag == "a" and name == "href" and ABSOLUTE_LINK.fullmatch(value) is not None


class _LinkRel(Filter):
    """Every remaining link: no search-engine credit, no access to the marking page."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a" and token["data"]:
                token["data"] = {**token["data"], (None, "rel"): LINK_REL}
            yield token


_cleaner = bleach.Cleaner(
    tags=ESSAY_TAGS,
    attributes=_absolute_href_only,
    protocols=ESSAY_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_LinkRel],
)


def clean_essay(text: str) -> str:
    """Keep a few inline tags and absolute links; drop scripts, attributes and unsafe URLs."""
    return _cleaner.clean(text).strip()
