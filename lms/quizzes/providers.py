"""What quizzes ask the layers above them (courses) without importing them.

A quiz can be taken from a course module: the quiz pages carry the module's id
(``?module=``, the hidden ``module`` field) and the attempt stores it (Sitting.module).
Quizzes do not know what a module is. The layer that owns modules registers a provider
(courses does in its signals.connect) that turns such an id into what the quiz pages
show: the module's title and address. A provider answers None for an id it does not
know or a module learners cannot see (unpublished); the quiz then behaves as if it
was opened on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lms.quizzes.models import Quiz, Sitting


@dataclass(frozen=True)
class ModuleLink:
    """The module a quiz is taken for, as the quiz pages show it."""

    pk: int
    title: str
    # Its address, worked out only where a page links to it (a page's URL can cost a query).
    resolve_url: Callable[[], str | None] = field(repr=False, compare=False)

    @property
    def url(self) -> str | None:
        return self.resolve_url()


# Called with module_id=<int>, quiz=<Quiz> and sitting=<Sitting or None>: the attempt whose
# module is asked for, loaded with select_related("module"), so no second query is needed.
ModuleProvider = Callable[..., "ModuleLink | None"]

_providers: list[ModuleProvider] = []


def register_module_provider(provider: ModuleProvider) -> ModuleProvider:
    """Register a provider once (connecting again, e.g. in tests, changes nothing)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def module_for(
    *, module_id: int | None, quiz: Quiz, sitting: Sitting | None = None
) -> ModuleLink | None:
    """The live module named by `module_id`, or None (no id, or no provider knows it)."""
    if not module_id:
        return None
    for provider in _providers:
        link = provider(module_id=module_id, quiz=quiz, sitting=sitting)
        if link is not None:
            return link
    return None
