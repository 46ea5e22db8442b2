"""The demo bootcamp's German content, kept as JSON beside this module."""

import json
from functools import cache
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"

COURSE_FILES = [
    "course_social_selling.json",
    "course_storytelling.json",
    "course_employer_branding.json",
    "course_linkedin_leaders.json",
]

DEPARTMENTS = [
    ("Sales", "sales"),
    ("Marketing", "marketing"),
    ("HR", "hr"),
    ("Leadership", "leadership"),
]

TRACKS = [
    {
        "slug": "social-selling",
        "name": "Social Selling",
        "colour": "blue",
        "description": "Kunden verstehen und Beziehungen aufbauen, bevor es um den Abschluss geht.",
    },
    {
        "slug": "storytelling",
        "name": "Storytelling",
        "colour": "purple",
        "description": "Geschichten statt Produktlisten: Marketing, das im Gedächtnis bleibt.",
    },
    {
        "slug": "employer-branding",
        "name": "Employer Branding",
        "colour": "green",
        "description": "Als Arbeitgeber sichtbar werden und Kandidaten direkt erreichen.",
    },
    {
        "slug": "linkedin-leaders",
        "name": "LinkedIn für Führungskräfte",
        "colour": "orange",
        "description": "Führungskräfte als sichtbare Vorbilder und Botschafter.",
    },
]


@cache
def load(name: str) -> dict:
    with (CONTENT_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def courses() -> list[dict]:
    return [load(name) for name in COURSE_FILES]
