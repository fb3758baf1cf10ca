"""Pure, dated BHYT pricing and benefit rules and assessment checks (no I/O, no clock)."""
