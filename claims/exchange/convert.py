"""Convert a claim between the 4750 and 3176 shapes (spec/xml130.md §9.2).

Only XML13 and XML14 change shape; every other table is written as it is, in the target's field list.
Values that have no place in the target are reported in the notes, never dropped silently.
"""

from __future__ import annotations

from dataclasses import replace

from claims.exchange.model import VERSIONS, Hoso


def convert_hoso(hoso: Hoso, to: str) -> tuple[Hoso, list[str]]:
    """The claim in the ``to`` shape and notes on what moved or could not be carried over."""
    if to not in VERSIONS:
        raise ValueError(f"unknown version {to!r}; expected one of {', '.join(VERSIONS)}")
    notes: list[str] = []
    x13, x14 = hoso.xml13, hoso.xml14
    if x13 is not None:
        if to == "3176":
            lost = {k: v for k, v in (("TEN_DICH_VU", x13.ten_dich_vu), ("TEN_THUOC", x13.ten_thuoc)) if v}
            if lost:
                notes.append(f"XML13: {', '.join(lost)} have no place in 3176 and were left out")
            x13 = replace(
                x13,
                ma_cskcb_di=x13.ma_cskcb_di or x13.ma_noi_di,
                ma_cskcb_den=x13.ma_cskcb_den or x13.ma_noi_den,
                tinh_trang_ct=x13.tinh_trang_ct or x13.pp_dieu_tri,
                ma_noi_di="",
                ma_noi_den="",
                pp_dieu_tri="",
                ten_dich_vu="",
                ten_thuoc="",
            )
        else:
            di = x13.ma_noi_di or x13.ma_cskcb_di
            if ";" in di:
                notes.append(
                    f"XML13: MA_CSKCB_DI lists several facilities ({di}); 4750 MA_NOI_DI keeps the first"
                )
                di = di.split(";")[0]
            x13 = replace(
                x13,
                ma_noi_di=di,
                ma_noi_den=x13.ma_noi_den or x13.ma_cskcb_den,
                pp_dieu_tri=x13.pp_dieu_tri or x13.tinh_trang_ct,
                ma_cskcb_di="",
                ma_cskcb_den="",
                tinh_trang_ct="",
            )
    if x14 is not None:
        kl = x14.ngay_hen_kl.strip()
        if to == "3176" and len(kl) == 12:
            if kl[8:] != "0000":
                notes.append(f"XML14: NGAY_HEN_KL {kl} loses its time of day in 3176 (yyyyMMdd)")
            x14 = replace(x14, ngay_hen_kl=kl[:8])
        elif to == "4750" and len(kl) == 8:
            x14 = replace(x14, ngay_hen_kl=kl + "0000")
    return replace(hoso, xml13=x13, xml14=x14, version=to), notes


__all__ = ["convert_hoso"]
