"""The runner: selection, severity overrides, effective dates, crash isolation, batch checks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from rules import checks
from rules.checks import Check, Claim, Context, Hit, Severity
from tests.rules.checks.factory import Scenario, clean_tables


def _broken() -> Scenario:
    s = Scenario()
    s.x1["NGAY_RA"] = "202503010759"  # before admission
    s.line("XML2", "1")["TT_THAU"] = ""
    return s


def test_enabled_set_and_predicate() -> None:
    s = _broken()
    assert {f.code for f in s.run()} >= {"DATE_RA_BEFORE_VAO", "TT_THAU_MISSING"}
    assert {f.code for f in s.run(enabled={"TT_THAU_MISSING"})} == {"TT_THAU_MISSING"}
    assert "TT_THAU_MISSING" not in {f.code for f in s.run(enabled=lambda code: not code.startswith("TT_"))}


def test_severity_override() -> None:
    s = _broken()
    f = next(f for f in s.run(severity_overrides={"TT_THAU_MISSING": Severity.WARNING}) if f.code == "TT_THAU_MISSING")
    assert f.severity is Severity.WARNING
    f = next(f for f in s.run(severity_overrides={"TT_THAU_MISSING": "warning"}) if f.code == "TT_THAU_MISSING")
    assert f.severity is Severity.WARNING
    f = next(f for f in s.run() if f.code == "TT_THAU_MISSING")
    assert f.severity is Severity.BLOCKING


def test_checks_apply_only_within_their_dates() -> None:
    s = Scenario()
    s.line("XML2", "1")["SO_DANG_KY"] = ""
    assert any(f.code == "REQ_SO_DANG_KY" for f in s.run())  # claim of March 2025
    assert not any(f.code == "REQ_SO_DANG_KY" for f in s.run(as_of=date(2024, 6, 30)))  # before QĐ 4750
    chk = checks.CHECKS_BY_CODE["REQ_SO_DANG_KY"]
    assert chk.applies_on(date(2024, 7, 1)) and not chk.applies_on(date(2024, 6, 30)) and chk.applies_on(None)
    ended = replace(chk, valid_to=date(2025, 2, 28))
    claims = checks.claims_from_tables([s.tables])
    assert checks.run(claims, checks=[ended]) == []


def _boom(claim: Claim, ctx: Context) -> Iterator[Hit]:
    raise ZeroDivisionError
    yield


def test_a_crashing_check_becomes_a_finding() -> None:
    bad = Check("BOOM", Severity.BLOCKING, ("XML1",), (), "vi", "en", "h / h", "ref", _boom)
    ok = checks.CHECKS_BY_CODE["DATE_RA_BEFORE_VAO"]
    findings = checks.run(checks.claims_from_tables([_broken().tables]), checks=[bad, ok])
    assert [f.code for f in findings] == [checks.CHECK_FAILED, "DATE_RA_BEFORE_VAO"]
    assert findings[0].value == "BOOM" and "ZeroDivisionError" in findings[0].message_en


def test_findings_are_data() -> None:
    f = next(f for f in _broken().run() if f.code == "DATE_RA_BEFORE_VAO")
    d = f.as_dict()
    assert d["code"] == "DATE_RA_BEFORE_VAO" and d["severity"] == "blocking"
    where = (d["table"], d["stt"], d["ma_lk"], d["field"], d["value"])
    assert where == ("XML1", "1", "LK001", "NGAY_RA", "202503010759")
    assert "202503010800" in d["message_vi"] and "202503010800" in d["message_en"]


def test_batch_checks_see_the_whole_batch() -> None:
    a = clean_tables("LK1")
    b = clean_tables("LK2")  # same card, same dates: overlapping stays and duplicated services
    findings = checks.run(checks.claims_from_tables([a, b]))
    codes = [f.code for f in findings]
    assert codes.count("OVERLAPPING_STAYS") == 1
    assert codes.count("DUP_SERVICE_SAME_MINUTE") == 4  # every timed service of claim 2 (not supplies, beds)
    assert {f.ma_lk for f in findings} == {"LK2"}


def test_one_bad_claim_does_not_sink_the_batch() -> None:
    weird = {"XML1": [{"MA_LK": "X", "NGAY_VAO": "abc", "T_TONGCHI_BV": "??"}], "XML3": [{"SO_LUONG": "-"}]}
    findings = checks.run(checks.claims_from_tables([weird, clean_tables()]))
    assert all(f.code != checks.CHECK_FAILED for f in findings)
    assert {f.ma_lk for f in findings} == {"X"}
