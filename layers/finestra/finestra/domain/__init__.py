"""The city's domain: citizens, requests, themes and their vocabulary."""
