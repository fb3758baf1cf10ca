"""Catalogues: facilities, insurer catalogues by effective date (G1/G2 files into
:class:`rules.Tariff`, G2 export), HIS to insurer code mapping, demo data."""
