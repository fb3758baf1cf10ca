"""Catalogues: facilities, insurer catalogues by effective date, HIS↔insurer code mapping."""
