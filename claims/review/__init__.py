"""Review: findings of the assessment checks (rules.checks) on claims, and the `claims check` command."""
