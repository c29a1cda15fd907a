"""Turning what a citizen sent, on any channel, into a request written once."""
