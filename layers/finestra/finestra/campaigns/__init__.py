"""Campaigns: planning recipients, sending batches, opt-outs and delivery events."""
