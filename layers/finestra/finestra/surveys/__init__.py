"""Surveys: definitions, signed answer links, SMS prompts and replies, and results."""
