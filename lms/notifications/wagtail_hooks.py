"""Notifications add nothing to the Wagtail admin: each person manages their own on the site."""
