"""Configurable conventions for the points benefits.md marks UNCONFIRMED (§11 "open points")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class PricingOptions:
    """Engine conventions; the defaults reproduce ``shared/spec/vectors.json``.

    - ``rounding``: rounding mode of money fields (§6.3; half-up assumed).
    - ``zero_factor_share``: where the uncovered in-scope amount of a zero-factor visit goes (§11.5, PUB-08).
    - ``base_salary_anchor``: date whose base salary sets the 15 % threshold and the caps (§0.1, §11.1).
    - ``exam_before_admission_factor``: factor of the exam of a self-referred inpatient (§7.3, §11.9).
    - ``unknown_prefix``: an object code missing from the prefix table is priced by its digit (the sheet says
      "take the rate from the digit") or rejects the claim's lines.
    - ``derive_ma_doituong_kcb``: derive the QĐ 3276 code from the route facts when the input has none.
    - ``near_poor_full_rate_2026``: Resolution 261 (2026) raising near-poor households (CN) to 100 %
      [UNCONFIRMED].
    - ``check_service_ratios``: warn when ``TYLE_TT_DV`` is not one of the ratios of the rules for its group.
    """

    rounding: Literal["half_up", "half_even"] = "half_up"
    zero_factor_share: Literal["T_BNCCT", "T_BNTT"] = "T_BNCCT"
    base_salary_anchor: Literal["admission", "discharge"] = "admission"
    exam_before_admission_factor: Literal["inpatient", "outpatient"] = "inpatient"
    unknown_prefix: Literal["price_by_digit", "reject"] = "price_by_digit"
    derive_ma_doituong_kcb: bool = True
    near_poor_full_rate_2026: bool = False
    check_service_ratios: bool = True


DEFAULT_OPTIONS = PricingOptions()
