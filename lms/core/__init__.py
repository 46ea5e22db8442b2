"""The bottom layer: infrastructure every app may use and that knows no app above it."""
