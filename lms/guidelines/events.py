"""Signals guidelines send to the layers above them (notifications), never importing them."""

from django.dispatch import Signal

# Sent after the commit that publishes a new version of a guideline document, with
# version=<GuidelineVersion>: everyone in the document's scope has to accept it.
version_published = Signal()
