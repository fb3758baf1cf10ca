"""Review: findings of the assessment checks (rules.checks) on claims, the work queue, overrides with a reason."""
