"""Checks over a batch of claims: the same patient in overlapping stays, the same service twice at the same minute,
the same MA_LK twice (Circular 12/2026/TT-BTC Art. 10(h), (i); checks.md §6, §7; benefits.md §10)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from rules.checks._common import BED_GROUPS, SUPPLY_GROUPS, card_periods
from rules.checks.base import Context, Hit, check
from rules.checks.findings import Severity
from rules.checks.model import Claim

B, W = Severity.BLOCKING, Severity.WARNING


def patient_keys(claim: Claim) -> tuple[str, ...]:
    """Every key that identifies the patient: each card number, and the facility's patient code."""
    keys = [f"card:{c.number}" for c in card_periods(claim)]
    bn = claim.xml1.text("MA_BN")
    if bn:
        keys.append(f"bn:{claim.xml1.text('MA_CSKCB')}:{bn}")
    return tuple(keys)


@check(
    "DUP_MA_LK", B, "XML1", "MA_LK",
    vi="MA_LK {value} xuất hiện {count} lần trong lô.",
    en="MA_LK {value} appears {count} times in the batch.",
    hint="Mỗi đợt điều trị một MA_LK duy nhất; gửi lại thì thay thế, không nhân bản. / One MA_LK per episode.",
    ref="QĐ 4750/QĐ-BYT Phụ lục (MA_LK duy nhất cho mỗi đợt điều trị)",
    scope="batch",
)
def dup_ma_lk(claims: Sequence[Claim], ctx: Context) -> Iterator[Hit]:
    seen: dict[str, list[Claim]] = {}
    for c in claims:
        if c.ma_lk:
            seen.setdefault(c.ma_lk, []).append(c)
    for lk, group_ in seen.items():
        if len(group_) > 1:
            for c in group_[1:]:
                yield Hit(c.xml1, "MA_LK", lk, {"count": str(len(group_))})


@check(
    "OVERLAPPING_STAYS", B, "XML1", "NGAY_VAO NGAY_RA",
    vi="Đợt điều trị {this} (vào {value}) chồng thời gian với hồ sơ {other} của cùng người bệnh.",
    en="Episode {this} (admitted {value}) overlaps episode {other} of the same patient.",
    hint="Kiểm tra trùng hồ sơ hoặc sai ngày vào/ra; chuyển khoa trong viện là một đợt. / "
    "Check for a duplicate claim or wrong dates.",
    ref="TT 12/2026/TT-BTC Điều 10(h), (i) (trùng lặp, khoảng cách giữa các lần KCB)",
    scope="batch",
)
def overlapping_stays(claims: Sequence[Claim], ctx: Context) -> Iterator[Hit]:
    by_key: dict[str, list[tuple[datetime, datetime, Claim]]] = {}
    for c in claims:
        vao, ra = c.xml1.moment("NGAY_VAO"), c.xml1.moment("NGAY_RA")
        if vao is None or ra is None or ra < vao:
            continue
        for k in patient_keys(c):
            by_key.setdefault(k, []).append((vao, ra, c))
    reported: set[tuple[int, int]] = set()
    for spans in by_key.values():
        if len(spans) < 2:
            continue
        spans.sort(key=lambda t: t[0])
        for i, (_vao1, ra1, c1) in enumerate(spans):
            for vao2, _ra2, c2 in spans[i + 1 :]:
                if vao2 >= ra1:
                    break
                pair = (id(c1), id(c2))
                if c1 is c2 or pair in reported or c1.ma_lk == c2.ma_lk:
                    continue
                reported.add(pair)
                yield Hit(c2.xml1, "NGAY_VAO", c2.xml1.text("NGAY_VAO"), {"this": c2.ma_lk, "other": c1.ma_lk})


@check(
    "DUP_SERVICE_SAME_MINUTE", W, "XML3", "MA_DICH_VU NGAY_YL",
    vi="Dịch vụ {value} được tính hai lần cùng thời điểm y lệnh {yl} (hồ sơ {other}, dòng {other_stt}).",
    en="Service {value} billed twice at the same order time {yl} (claim {other}, line {other_stt}).",
    hint="Xóa dòng trùng hoặc sửa thời gian y lệnh. / Remove the duplicate or fix the order time.",
    ref="TT 12/2026/TT-BTC Điều 10(h); checks.md §6 (XML3_SERVICE_GROUP_PTTT_DUPLICATE)",
    scope="batch",
)
def dup_service_same_minute(claims: Sequence[Claim], ctx: Context) -> Iterator[Hit]:
    seen: dict[tuple[str, str, str], tuple[Claim, str]] = {}
    for c in claims:
        keys = patient_keys(c)[:1] or (f"lk:{c.ma_lk}",)
        pk = keys[0]
        for rec in c.services:
            g = rec.group
            code = rec.text("MA_DICH_VU")
            yl = rec.text("NGAY_YL")
            if not code or not yl or g in SUPPLY_GROUPS or g in BED_GROUPS:
                continue
            key = (pk, code, yl)
            first = seen.get(key)
            if first is None:
                seen[key] = (c, rec.stt)
            else:
                yield Hit(rec, "MA_DICH_VU", code, {"yl": yl, "other": first[0].ma_lk, "other_stt": first[1]})
