"""Submission: batches, the transactional outbox and the submission ledger."""
