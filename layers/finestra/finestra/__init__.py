"""Finestra: one window onto every request a citizen makes, on any channel."""
