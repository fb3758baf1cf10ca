"""Rule registry for the trace: legal reference and readable Vietnamese / English templates per rule id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rules.model import TraceStep


@dataclass(frozen=True, slots=True)
class Rule:
    """A pricing rule as shown to a billing clerk."""

    legal_ref: str
    vi: str
    en: str


RULES: dict[str, Rule] = {
    "PARAM.BASE_SALARY": Rule(
        "Decrees on base salary (66/2013 … 73/2024, 161/2026)",
        "Lương cơ sở áp dụng ngày {on}: {value} đ (hiệu lực {valid}; {source}).",
        "Base salary in force on {on}: {value} VND (valid {valid}; {source}).",
    ),
    "PARAM.THRESHOLD_15": Rule(
        "Decree 146/2018 Art. 14(1)(d); Decree 188/2025 Art. 18",
        "Ngưỡng 15% lương cơ sở = {multiplier} × {base_salary} = {value} đ.",
        "15% threshold = {multiplier} × {base_salary} = {value} VND.",
    ),
    "PARAM.SUPPLY_CAP": Rule(
        "Circular 04/2017/TT-BYT Art. 3(2)(b)",
        "Trần thanh toán vật tư y tế = {multiplier} × {base_salary} = {value} đ.",
        "Supply package cap = {multiplier} × {base_salary} = {value} VND.",
    ),
    "PARAM.FIVE_YEAR_CEILING": Rule(
        "Decree 146/2018 Art. 14(1)(đ); Decree 188/2025 Art. 18(2)",
        "Trần cùng chi trả 5 năm liên tục = {multiplier} × {base_salary} = {value} đ.",
        "Five-year co-payment ceiling = {multiplier} × {base_salary} = {value} VND.",
    ),
    "PARAM.DIRECT_PAYMENT_CAP": Rule(
        "Decree 146/2018 Art. 30; Decree 188/2025 Art. 57",
        "Mức thanh toán trực tiếp tối đa = {multiplier} × {base_salary} = {value} đ.",
        "Direct-payment refund cap = {multiplier} × {base_salary} = {value} VND.",
    ),
    "CARD.RATE": Rule(
        "Law 25/2008 Art. 22(1) as amended; Decree 146/2018 Art. 14(1); QĐ 1351/QĐ-BHXH",
        "Thẻ nhóm {prefix}: mức hưởng theo ký tự thứ 3 ({digit}) = {value}% ({source}).",
        "Card group {prefix}: benefit rate from the 3rd character ({digit}) = {value}% ({source}).",
    ),
    "ROUTE.RIGHT": Rule(
        "Circular 40/2015 Art. 11; Circular 30/2020 Art. 6",
        "Khám chữa bệnh đúng tuyến ({route}): hệ số tuyến = 1.",
        "Right-route care ({route}): route factor = 1.",
    ),
    "ROUTE.EMERGENCY": Rule(
        "Circular 30/2020 Art. 6(3); Law 51/2024 Art. 22(5)",
        "Cấp cứu: coi như đúng tuyến, hệ số = 1.",
        "Emergency: treated as right route, factor = 1.",
    ),
    "ROUTE.KHUVUC": Rule(
        "Law 25/2008 Art. 22(5) as amended by Law 46/2014",
        "Người sống ở vùng khó khăn/hải đảo ({ma_khuvuc}): hệ số = 1.",
        "Resident of a disadvantaged area/island ({ma_khuvuc}): factor = 1.",
    ),
    "ROUTE.WRONG": Rule(
        "Law 25/2008 Art. 22(3) as amended by Law 46/2014",
        "Trái tuyến tại tuyến {old_level}, {visit_type}: hệ số = {value} (hiệu lực {valid}; {source}).",
        "Wrong route at {old_level} level, {visit_type}: factor = {value} (valid {valid}; {source}).",
    ),
    "ROUTE.DOITUONG": Rule(
        "QĐ 3276/QĐ-BYT Annex 1; Law 51/2024 Art. 22; Decree 188/2025 Art. 19",
        "Mã đối tượng KCB {code} ({visit_type}): hệ số = {value} (hiệu lực {valid}; {source}).",
        "MA_DOITUONG_KCB {code} ({visit_type}): factor = {value} (valid {valid}; {source}).",
    ),
    "EXEMPT.COMMUNE": Rule(
        "Decree 146/2018 Art. 14(1)(c); Law 51/2024 Art. 22(1)(c)",
        "KCB tại tuyến xã / cơ sở cấp ban đầu: mức hưởng 100%.",
        "Care at commune / primary level: rate 100%.",
    ),
    "EXEMPT.15PCT": Rule(
        "Decree 146/2018 Art. 14(1)(d); Decree 188/2025 Art. 18",
        "Tổng chi phí trong phạm vi {t_tongchi_bh} < ngưỡng {threshold}: mức hưởng 100% trước hệ số tuyến.",
        "In-scope total {t_tongchi_bh} < threshold {threshold}: rate 100% before the route factor.",
    ),
    "EXEMPT.5YEAR": Rule(
        "Decree 146/2018 Art. 14(1)(đ), Art. 27(3); Decree 188/2025 Art. 18(2)",
        "Đủ 5 năm liên tục và đã có giấy miễn cùng chi trả từ {ngay_mien_cct}: mức hưởng 100%.",
        "Five continuous years and co-payment exemption since {ngay_mien_cct}: rate 100%.",
    ),
    "CLAIM.MUC_HUONG": Rule(
        "Law 25/2008 Art. 22; QĐ 130/QĐ-BYT table 2 field MUC_HUONG",
        "Mức hưởng = {rate} × hệ số {factor} = {value}.",
        "MUC_HUONG = {rate} × factor {factor} = {value}.",
    ),
    "LINE.THANH_TIEN_BV": Rule(
        "QĐ 130/QĐ-BYT as amended by QĐ 4750/QĐ-BYT, tables 2-3",
        "Thành tiền BV = làm tròn 2 số ({quantity} × {price} × {tyle_tt_dv}%) = {value}.",
        "THANH_TIEN_BV = round2({quantity} × {price} × {tyle_tt_dv}%) = {value}.",
    ),
    "LINE.TYLE_TT_DV": Rule(
        "Circular 39/2018/TT-BYT Art. 5-7; Circular 35/2016 Art. 4a-4d as amended by Circular 39/2024",
        "Tỷ lệ thanh toán dịch vụ = {value}% ({why}).",
        "TYLE_TT_DV = {value}% ({why}).",
    ),
    "LINE.TYLE_TT_BH": Rule(
        "Circular 20/2022 col. 8; Circular 35/2016 col. 4; Circular 04/2017; Decree 146/2018 Art. 14(1)(b)",
        "Tỷ lệ thanh toán BH = {value}% ({why}).",
        "TYLE_TT_BH = {value}% ({why}).",
    ),
    "LINE.THANH_TIEN_BH": Rule(
        "QĐ 130/QĐ-BYT as amended by QĐ 4750/QĐ-BYT, tables 2-3",
        "Thành tiền BH = làm tròn 2 số ({base} × {tyle_tt_bh}%) = {value}.",
        "THANH_TIEN_BH = round2({base} × {tyle_tt_bh}%) = {value}.",
    ),
    "LINE.CAP": Rule(
        "Circular 04/2017/TT-BYT Art. 3(2); QĐ 130 field T_TRANTT",
        "Vượt trần thanh toán {t_trantt}: thành tiền BH giới hạn ở {value}, phần vượt người bệnh tự trả.",
        "Above the payment ceiling {t_trantt}: THANH_TIEN_BH capped at {value}, the excess is self-paid.",
    ),
    "LINE.MUC_HUONG": Rule(
        "Law 25/2008 Art. 22; QĐ 130/QĐ-BYT field MUC_HUONG",
        "Mức hưởng của dòng = {value} ({why}).",
        "Line MUC_HUONG = {value} ({why}).",
    ),
    "LINE.T_BHTT": Rule(
        "QĐ 130/QĐ-BYT field T_BHTT",
        "Quỹ BHYT trả = làm tròn 2 số ({thanh_tien_bh} × {muc_huong}%) = {value}.",
        "T_BHTT = round2({thanh_tien_bh} × {muc_huong}%) = {value}.",
    ),
    "LINE.T_BNCCT": Rule(
        "QĐ 130/QĐ-BYT field T_BNCCT",
        "Người bệnh cùng chi trả = {thanh_tien_bh} − {t_bhtt} = {value}.",
        "T_BNCCT = {thanh_tien_bh} − {t_bhtt} = {value}.",
    ),
    "LINE.T_BNTT": Rule(
        "QĐ 130/QĐ-BYT field T_BNTT",
        "Người bệnh tự trả = {thanh_tien_bv} − {t_nguonkhac_b} − {thanh_tien_bh} = {value}.",
        "T_BNTT = {thanh_tien_bv} − {t_nguonkhac_b} − {thanh_tien_bh} = {value}.",
    ),
    "LINE.T_NGUONKHAC": Rule(
        "QĐ 130/QĐ-BYT field T_NGUONKHAC (cases a, b, c)",
        "Nguồn khác loại {type} = {value} ({why}).",
        "Other funding, type {type} = {value} ({why}).",
    ),
    "LINE.5YEAR_CROSSING": Rule(
        "Decree 146/2018 Art. 14(1)(đ); Decree 188/2025 Art. 18(2); engine convention [UNCONFIRMED]",
        "Đạt trần cùng chi trả 6 tháng lương cơ sở tại dòng này: cùng chi trả còn lại {remaining}.",
        "Co-payment ceiling (6 × base salary) reached on this line: remaining co-payment {remaining}.",
    ),
    "LINE.ZERO_FACTOR": Rule(
        "benefits.md §11.5 recording convention [UNCONFIRMED]",
        "Hệ số tuyến 0: phần trong phạm vi ghi vào {target}.",
        "Route factor 0: the in-scope amount is recorded in {target}.",
    ),
    "LINE.TARIFF": Rule(
        "Price tables per facility (Circular 39/2018 Art. 12; Circular 21/2024)",
        "Giá BH theo danh mục ({tariff_row}) ngày {on}: {value} đ.",
        "BH price from the catalogue ({tariff_row}) on {on}: {value} VND.",
    ),
    "ROUND.MUC_HUONG": Rule(
        "QĐ 130/QĐ-BYT field MUC_HUONG (whole percent); QĐ 1931/QĐ-BYT from 2026-07-01 (one decimal) [UNCONFIRMED]",
        "Mức hưởng {exact} ghi thành {value} ({decimals} số lẻ, làm tròn {mode}; hiệu lực {valid}; {source}).",
        "MUC_HUONG {exact} recorded as {value} ({decimals} decimals, rounding {mode}; valid {valid}; {source}).",
    ),
    "PRICE.CLASS": Rule(
        "Circular 39/2018/TT-BYT Art. 4; Circular 22/2023/TT-BYT",
        "Giá theo hạng {price_class}: {pct}% của giá danh mục {catalogue_price} = {value} đ ({source}).",
        "Price of class {price_class}: {pct}% of the catalogue price {catalogue_price} = {value} VND ({source}).",
    ),
    "TRANSPORT.ELIGIBLE": Rule(
        "Decree 146/2018/NĐ-CP Art. 26; Decree 188/2025/NĐ-CP Art. 14 [UNCONFIRMED]; Decree 70/2015/NĐ-CP",
        "Vận chuyển dòng {stt}, nhóm thẻ {group}: {value} ({why}; {source}).",
        "Transport line {stt}, card group {group}: eligible {value} ({why}; {source}).",
    ),
    "TRANSPORT.AMOUNT": Rule(
        "Decree 146/2018/NĐ-CP Art. 26(2); Decree 188/2025/NĐ-CP Art. 14 [UNCONFIRMED]",
        "Chi phí vận chuyển = {litres_per_km} lít/km × {distance_km} km × {fuel_price} đ × {trips} lượt = {value} đ.",
        "Transport = {litres_per_km} l/km × {distance_km} km × {fuel_price} VND × {trips} way(s) = {value} VND.",
    ),
    "BED.ICU": Rule(
        "Circular 39/2018/TT-BYT Art. 6; QĐ 01/2008/QĐ-BYT",
        "Giường hồi sức tích cực dòng {stt} không được thanh toán: {why} ({source}).",
        "ICU bed line {stt} refused: {why} ({source}).",
    ),
    "BED.SURGICAL_DAYS": Rule(
        "Circular 39/2018/TT-BYT Art. 6",
        "Giường ngoại khoa dòng {stt}: {value} ngày sau phẫu thuật ngày {operation} (tối đa {limit}; {source}).",
        "Surgical bed line {stt}: {value} days after the operation of {operation} (at most {limit}; {source}).",
    ),
    "BED.SURGICAL_LIMIT": Rule(
        "Circular 39/2018/TT-BYT Art. 6",
        "Giường ngoại khoa dòng {stt} vượt số ngày tối đa: {why} ({source}).",
        "Surgical bed line {stt} beyond the limit: {why} ({source}).",
    ),
    "BED.OBSERVATION": Rule(
        "Circular 39/2018/TT-BYT Art. 6",
        "Giường lưu dòng {stt}: {why} ({source}).",
        "Observation bed line {stt}: {why} ({source}).",
    ),
    "BED.OBSERVATION_EXAM": Rule(
        "Circular 39/2018/TT-BYT Art. 6",
        "Công khám dòng {stt} không thanh toán: {why} ({source}).",
        "Exam line {stt} not paid: {why} ({source}).",
    ),
    "CLAIM.BED_DAYS": Rule(
        "Circular 39/2018/TT-BYT Art. 6 as amended by Circular 13/2019",
        "Số ngày giường = {value} ({hours} giờ; {why}).",
        "Bed days = {value} ({hours} hours; {why}).",
    ),
}


#: Vietnamese for the explanation fragments the engine writes into ``why`` / ``route`` parameters
_VI_FRAGMENTS: tuple[tuple[str, str], ...] = (
    ("drug line: XML2 has no TYLE_TT_DV", "dòng thuốc: XML2 không có TYLE_TT_DV"),
    ("ratio of the drug/service/supply list", "tỷ lệ trong danh mục thuốc/dịch vụ/vật tư"),
    ("payment ratios of the lists are not applied", "không áp dụng tỷ lệ thanh toán của danh mục"),
    ("PHAM_VI 2: out of scope", "PHAM_VI 2: ngoài phạm vi hưởng"),
    (
        "PHAM_VI 3: outside the list, paid for army/police/cipher (Decree 70/2015)",
        "PHAM_VI 3: ngoài danh mục, chi trả cho quân đội/công an/cơ yếu (Nghị định 70/2015)",
    ),
    (
        "PHAM_VI 3 is only paid for army/police/cipher cards",
        "PHAM_VI 3 chỉ chi trả cho thẻ quân đội/công an/cơ yếu",
    ),
    ("in-scope total below 15% of base salary", "tổng chi phí dưới 15% lương cơ sở"),
    ("five-year co-payment exemption", "miễn cùng chi trả 5 năm liên tục"),
    ("commune level 100%", "tuyến xã 100%"),
    ("100% regardless of card", "100% không phụ thuộc thẻ"),
    ("near-poor 100% from 2026 (Resolution 261)", "cận nghèo 100% từ 2026 (Nghị quyết 261)"),
    ("route factor", "hệ số tuyến"),
    ("no other funding", "không có nguồn khác"),
    ("deducted from T_BNTT, then T_BNCCT, then T_BHTT", "trừ vào T_BNTT, rồi T_BNCCT, rồi T_BHTT"),
    (
        "special case: other funding takes the co-payment",
        "trường hợp đặc biệt: nguồn khác trả phần cùng chi trả",
    ),
    ("deducted from the cost before the split", "trừ vào chi phí trước khi phân chia"),
    ("discharge date − admission date", "ngày ra − ngày vào"),
    ("severe, not improved", "bệnh nặng không cải thiện"),
    ("ratio given on the line", "tỷ lệ ghi trên dòng"),
    ("conditions met", "đủ điều kiện"),
    (
        "transport is paid for an emergency or an inpatient transfer for professional reasons only",
        "chỉ thanh toán vận chuyển khi cấp cứu hoặc chuyển tuyến chuyên môn khi đang điều trị nội trú",
    ),
    ("transport is paid from district level upward", "chỉ thanh toán vận chuyển từ tuyến huyện trở lên"),
    ("is not among the groups whose transport the fund pays", "không thuộc nhóm được quỹ thanh toán vận chuyển"),
    ("no exam fee when the observation bed is paid", "không thanh toán công khám khi đã thanh toán giường lưu"),
    ("at the department's internal-medicine bed price", "theo giá giường nội khoa của khoa"),
    ("bill the emergency-resuscitation bed", "thanh toán theo giá giường hồi sức cấp cứu"),
    ("card digit", "thẻ mức"),
    ("card ", "thẻ "),
    ("code ", "mã "),
    ("registered_facility", "nơi đăng ký ban đầu"),
    ("referral", "chuyển tuyến"),
    ("appointment", "hẹn khám lại"),
    ("inpatient", "nội trú"),
    ("outpatient", "ngoại trú"),
    ("exam", "khám"),
    ("bed", "giường"),
    ("service", "dịch vụ"),
    ("supply", "vật tư"),
    ("transport", "vận chuyển"),
)


def to_vietnamese(text: str) -> str:
    """Translate the engine's explanation fragments (anything else is kept as is)."""
    for en, vi in _VI_FRAGMENTS:
        text = text.replace(en, vi)
    return text


def render(step: TraceStep, lang: str) -> str:
    """Render a trace step in Vietnamese (``vi``) or English (``en``)."""
    rule = RULES[step.rule_id]
    template = rule.vi if lang == "vi" else rule.en
    values: dict[str, str] = {
        "field": step.field,
        "value": str(step.value),
        "tariff_row": step.tariff_row or "",
    }
    if lang == "vi":
        values.update((k, to_vietnamese(v) if isinstance(v, str) else str(v)) for k, v in step.params)
    else:
        values.update((k, str(v)) for k, v in step.params)
    try:
        return template.format(**values)
    except KeyError:
        return f"{step.rule_id}: {step.field} = {step.value} " + ", ".join(f"{k}={v}" for k, v in step.params)
