"""Benchmarks of the intake handlers: start-up, CPU per event and DynamoDB units.

Run with ``make bench`` (``python -m tests.benchmarks``). They report figures and
assert nothing; the tests are where rules are enforced.
"""
