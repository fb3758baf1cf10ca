import rules

PUBLIC = {
    "DEFAULT_OPTIONS",
    "Card",
    "ClaimParameters",
    "Encounter",
    "EncounterShapeError",
    "Facility",
    "Finding",
    "FiveYear",
    "Line",
    "ParameterError",
    "ParameterOverlapError",
    "Parameters",
    "PricedClaim",
    "PricedLine",
    "PricingOptions",
    "RejectedLine",
    "RulesError",
    "Tariff",
    "TariffError",
    "TariffOverlapError",
    "TariffRow",
    "Totals",
    "TraceStep",
    "claim_to_dict",
    "default_parameters",
    "direct_payment_cap",
    "encounter_from_dict",
    "price",
    "price_many",
}


def test_public_names_are_pinned() -> None:
    assert set(rules.__all__) == PUBLIC
    for name in PUBLIC:
        assert hasattr(rules, name), name


def test_error_tree() -> None:
    assert issubclass(rules.ParameterOverlapError, rules.ParameterError)
    assert issubclass(rules.ParameterError, rules.RulesError)
    assert issubclass(rules.TariffOverlapError, rules.TariffError)
    assert issubclass(rules.TariffError, rules.RulesError)
    assert issubclass(rules.EncounterShapeError, rules.RulesError)


def test_rules_imports_nothing_of_ours_and_no_clock() -> None:
    from pathlib import Path

    root = Path(rules.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import claims" not in text and "from claims" not in text, path
        assert "date.today(" not in text and ".now(" not in text, path
        if path.parent.name != "data":
            assert "open(" not in text and "read_text(" not in text, path
