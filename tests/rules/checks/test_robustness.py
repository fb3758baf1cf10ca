"""Any text in any field gives findings, never an exception or a crashed check."""

from __future__ import annotations

import copy
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import checks
from tests.rules.checks.factory import Scenario, clean_tables

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_BASE = clean_tables()
_FIELDS = sorted({(t, i, f) for t, rows in _BASE.items() for i, r in enumerate(rows) for f in r})
_VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "0", "-1", "1e999", "NaN", "0,5", "99999999999999", "202502301000", "20250301",
                     "2025030110000", ";", ";;", "G0", "N0", "1;2;3;4;5", "K9", "H1", "abc", "100.5", "Infinity"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_FIELDS), _VALUES), min_size=1, max_size=8))
def test_no_check_crashes(changes: list[tuple[tuple[str, int, str], str]]) -> None:
    tables = copy.deepcopy(_BASE)
    for (table, i, name), value in changes:
        tables[table][i][name] = value
    s = Scenario(tables=tables)
    findings = s.run()
    assert all(f.code != checks.CHECK_FAILED for f in findings), [f.value for f in findings if f.code == "CHECK_FAILED"]
    for f in findings:
        for msg in (f.message_en, f.message_vi):
            left = _PLACEHOLDER.findall(msg.replace(f.value, ""))
            assert not left, (f.code, msg)
