"""The per-request workflow's tasks, run by Step Functions one Lambda call at a time."""
