"""Variance categories, how a reason code maps to one, and their Vietnamese labels for reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, or_

DISALLOWED_CHECK = "disallowed_check"  # disallowed by a named check
PRICE_REDUCED = "price_reduced"  # unit price reduced to the tariff
QUANTITY_REDUCED = "quantity_reduced"
CLAIM_REJECTED = "claim_rejected"  # the whole record refused (claim-level reason)
NOT_ASSESSED = "not_assessed"
PAID_LESS = "paid_less"
PAID_MORE = "paid_more"
PAID_TWICE = "paid_twice"
PAID_NEVER_SENT = "paid_never_sent"
UNMATCHED_ANSWER = "unmatched_answer"
CLAIMED_DIFFERS = "claimed_differs"  # informational: the office read another claimed amount

# Categories that are part of the disallowed total (each đồng once) and go to the denial queue.
DISALLOWED = (DISALLOWED_CHECK, PRICE_REDUCED, QUANTITY_REDUCED, CLAIM_REJECTED)

LABELS_VI = {
    DISALLOWED_CHECK: "Xuất toán theo quy tắc giám định",
    PRICE_REDUCED: "Giảm đơn giá về giá BHYT",
    QUANTITY_REDUCED: "Giảm số lượng",
    CLAIM_REJECTED: "Từ chối cả hồ sơ",
    NOT_ASSESSED: "Chưa giám định",
    PAID_LESS: "Thanh toán thiếu so với duyệt",
    PAID_MORE: "Thanh toán thừa so với duyệt",
    PAID_TWICE: "Thanh toán trùng",
    PAID_NEVER_SENT: "Thanh toán hồ sơ không gửi",
    UNMATCHED_ANSWER: "Kết quả không khớp hồ sơ",
    CLAIMED_DIFFERS: "Số đề nghị khác nhau",
}

# Reason-code fragments (upper case) that name a price or a quantity reduction; anything else is a
# disallowance by the named check itself.
PRICE_MARKERS = ("PRICE", "TARIFF", "DON_GIA")
QUANTITY_MARKERS = ("QUANT", "QTY", "SO_LUONG")


def category_sql(code: Any) -> Any:
    """The category of a line disallowance from its reason code, as an SQL expression."""
    upper = func.upper(code)
    return case(
        (or_(*[upper.like(f"%{m}%") for m in PRICE_MARKERS]), PRICE_REDUCED),
        (or_(*[upper.like(f"%{m}%") for m in QUANTITY_MARKERS]), QUANTITY_REDUCED),
        else_=DISALLOWED_CHECK,
    )


def category_of(code: str) -> str:
    """The same rule in Python (for reports and tests)."""
    upper = code.upper()
    if any(m in upper for m in PRICE_MARKERS):
        return PRICE_REDUCED
    if any(m in upper for m in QUANTITY_MARKERS):
        return QUANTITY_REDUCED
    return DISALLOWED_CHECK
