import importlib


def test_packages_import() -> None:
    for name in ("claims", "rules", "workers", "xsd"):
        assert importlib.import_module(name) is not None
