"""Settlement: period figures, period close with adjustments, reports and exports."""
