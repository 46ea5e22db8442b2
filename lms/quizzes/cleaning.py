"""Cleaning of learner-written HTML (essay answers). Nothing else is trusted."""

import bleach

ESSAY_TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "code", "a"})
ESSAY_ATTRIBUTES = {"a": ["href"]}
ESSAY_PROTOCOLS = frozenset({"http", "https", "mailto"})


def clean_essay(text: str) -> str:
    """Keep a few inline tags and plain links; drop scripts, attributes and unsafe URLs."""
    return bleach.clean(
        text,
        tags=ESSAY_TAGS,
        attributes=ESSAY_ATTRIBUTES,
        protocols=ESSAY_PROTOCOLS,
        strip=True,
        strip_comments=True,
    ).strip()
