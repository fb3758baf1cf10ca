"""Review: findings of the checks, the work queue, overrides with a reason."""
