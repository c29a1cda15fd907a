"""Adapters to AWS services that send or fetch on the city's behalf."""
