import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
