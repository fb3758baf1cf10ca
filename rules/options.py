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
    - ``muc_huong_rounding``: how ``MUC_HUONG`` is brought to the decimals the field allows on the date
      (``scalars.csv`` ``muc_huong_decimals``: whole percent until 2026-06-30, one decimal from 2026-07-01,
      benefits.md §4.1 and §11.4 [UNCONFIRMED]); the amounts use the recorded value (§6.1 formula).
      ``exact`` keeps e.g. 66.5 unrounded.
    - ``transport_rule``: a transport line that fails the eligibility conditions of ``transport.csv``
      (Decree 146/2018 Art. 26; group list [UNCONFIRMED]) is rejected or only warned about.
    - ``bed_rule_action``: a bed line that breaks a rule of Circular 39/2018 Art. 6 (surgical bed beyond the
      limit after an operation, ICU price without the conditions, observation bed beyond its days) is
      rejected or only warned about.
    """

    rounding: Literal["half_up", "half_even"] = "half_up"
    zero_factor_share: Literal["T_BNCCT", "T_BNTT"] = "T_BNCCT"
    base_salary_anchor: Literal["admission", "discharge"] = "admission"
    exam_before_admission_factor: Literal["inpatient", "outpatient"] = "inpatient"
    unknown_prefix: Literal["price_by_digit", "reject"] = "price_by_digit"
    derive_ma_doituong_kcb: bool = True
    near_poor_full_rate_2026: bool = False
    check_service_ratios: bool = True
    muc_huong_rounding: Literal["half_up", "down", "exact"] = "half_up"
    transport_rule: Literal["reject", "warn"] = "reject"
    bed_rule_action: Literal["reject", "warn"] = "reject"


DEFAULT_OPTIONS = PricingOptions()
