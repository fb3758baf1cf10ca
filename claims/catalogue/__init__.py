"""Catalogue domain: facility catalogue files (G1/G2) into :class:`rules.Tariff`, G2 export, demo data."""
