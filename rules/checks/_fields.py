"""Which fields of which table are numbers and which are date-times (QĐ 4750 appendix types).

Values of these fields are parsed once, when a record is built.
"""

from __future__ import annotations

_MONEY_LINE = (
    "THANH_TIEN_BV THANH_TIEN_BH T_NGUONKHAC_NSNN T_NGUONKHAC_VTNN T_NGUONKHAC_VTTN T_NGUONKHAC_CL T_NGUONKHAC "
    "T_BNTT T_BNCCT T_BHTT MUC_HUONG TYLE_TT_BH SO_LUONG"
).split()

NUMBERS: dict[str, tuple[str, ...]] = {
    "XML1": tuple("T_THUOC T_VTYT T_TONGCHI_BV T_TONGCHI_BH T_BNTT T_BNCCT T_BHTT T_NGUONKHAC T_BHTT_GDV".split()),
    "XML2": tuple(["DON_GIA", *_MONEY_LINE]),
    "XML3": tuple(["DON_GIA_BV", "DON_GIA_BH", "TYLE_TT_DV", "T_TRANTT", *_MONEY_LINE]),
}

# Field -> allowed widths (12 = yyyyMMddHHmm, 8 = yyyyMMdd). `;`-list date fields are checked separately.
MOMENTS: dict[str, dict[str, tuple[int, ...]]] = {
    "XML1": {
        "NGAY_VAO": (12,),
        "NGAY_VAO_NOI_TRU": (12,),
        "NGAY_RA": (12,),
        "NGAY_TTOAN": (12,),
        "NGAY_MIEN_CCT": (8, 12),
        "NAM_NAM_LIEN_TUC": (8,),
    },
    "XML2": {"NGAY_YL": (12,), "NGAY_TH_YL": (12,)},
    "XML3": {"NGAY_YL": (12,), "NGAY_TH_YL": (12,), "NGAY_KQ": (12,)},
    "XML4": {"NGAY_KQ": (12,)},
    "XML5": {"THOI_DIEM_DBLS": (12,)},
    "XML7": {
        "NGAY_VAO": (12,),
        "NGAY_RA": (12,),
        "THOIGIAN_DINHCHI": (12,),
        "NGAY_CT": (8,),
        "NGOAITRU_TUNGAY": (8,),
        "NGOAITRU_DENNGAY": (8,),
    },
    "XML10": {"TU_NGAY": (8,), "DEN_NGAY": (8,), "NGAY_CT": (8,)},
    "XML11": {"TU_NGAY": (8,), "DEN_NGAY": (8,), "NGAY_CT": (8,)},
    "XML13": {"NGAY_VAO": (12,), "NGAY_VAO_NOI_TRU": (12,), "NGAY_RA": (12,)},
    "XML14": {
        "NGAY_VAO": (12,),
        "NGAY_VAO_NOI_TRU": (12,),
        "NGAY_RA": (12,),
        "NGAY_HEN_KL": (8, 12),
        "NGAY_CT": (8,),
    },
}

DATE_LISTS: dict[str, tuple[str, ...]] = {
    "XML1": ("GT_THE_TU", "GT_THE_DEN", "NGAY_TAI_KHAM"),
    "XML13": ("GT_THE_DEN",),
    "XML14": ("GT_THE_DEN",),
}
BIRTH_TABLES = ("XML1", "XML13", "XML14")
