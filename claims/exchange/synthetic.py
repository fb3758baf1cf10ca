"""Synthetic, internally consistent claims for tests and benchmarks (no real person in them)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree

from claims.exchange.model import SPECS, ChiTietDvkt, ChiTietThuoc, DienBienBenh, Hoso, TongHop

_C = Decimal("0.01")


def _r(v: Decimal) -> Decimal:
    return v.quantize(_C, rounding=ROUND_HALF_UP)


def make_claim(
    lines: int = 15, index: int = 0, ngay_vao: str = "202601050800", ma_cskcb: str = "01999"
) -> Hoso:
    """An inpatient claim with ``lines`` billed lines (about a third drugs, the rest services/supplies).

    Line splits follow spec/xml130.md §7.1–7.2 with an 80 % benefit level, and XML1 holds the sums, so the
    claim passes the arithmetic checks.
    """
    ma_lk = f"SYN{index:08d}"
    muc = Decimal(80)
    drugs: list[ChiTietThuoc] = []
    services: list[ChiTietDvkt] = []
    n_drugs = lines // 3
    ngay_ra = ngay_vao[:8] + "1600"
    for i in range(lines):
        qty = Decimal(1 + i % 4)
        price = Decimal(12500 + 1000 * i) + Decimal("0.5") * (i % 2)
        bv = _r(qty * price)
        bh = bv if i % 5 else _r(bv * Decimal("0.5"))
        bhtt = _r(bh * muc / 100)
        common: dict[str, Any] = {
            "ma_lk": ma_lk,
            "stt": 0,
            "so_luong": qty,
            "thanh_tien_bv": bv,
            "thanh_tien_bh": bh,
            "t_nguonkhac_nsnn": Decimal(0),
            "t_nguonkhac_vtnn": Decimal(0),
            "t_nguonkhac_vttn": Decimal(0),
            "t_nguonkhac_cl": Decimal(0),
            "t_nguonkhac": Decimal(0),
            "muc_huong": muc,
            "t_bntt": bv - bh,
            "t_bncct": bh - bhtt,
            "t_bhtt": bhtt,
            "ma_khoa": "K01",
            "ma_bac_si": "000001/HN-CCHN",
            "ngay_yl": ngay_vao,
            "ngay_th_yl": ngay_vao,
            "ma_pttt": 1,
            "pham_vi": 1,
            "tyle_tt_bh": 100 if i % 5 else 50,
        }
        if i < n_drugs:
            drugs.append(
                ChiTietThuoc(
                    **{**common, "stt": len(drugs) + 1},
                    ma_thuoc=f"40.{100 + i}",
                    ma_nhom=4,
                    ten_thuoc=f"Thuốc thử nghiệm {i} & <viên>",
                    don_vi_tinh="Viên",
                    ham_luong="500mg",
                    duong_dung="1.01",
                    lieu_dung="1 viên/lần, 2 lần/ngày",
                    so_dang_ky="VD-12345-20",
                    tt_thau="G1;N1;2025;01",
                    don_gia=price,
                    nguon_ctra=1,
                )
            )
        else:
            supply = i % 4 == 0
            services.append(
                ChiTietDvkt(
                    **{**common, "stt": len(services) + 1},
                    ma_dich_vu="" if supply else f"02.{1900 + i}.0001",
                    ma_vat_tu=f"N03.02.{i:03d}" if supply else "",
                    ma_nhom=10 if supply else 8,
                    ten_vat_tu="Bơm tiêm" if supply else "",
                    ten_dich_vu="" if supply else f"Dịch vụ kỹ thuật {i}",
                    don_vi_tinh="Cái" if supply else "Lần",
                    don_gia_bv=price,
                    don_gia_bh=price if i % 5 else _r(price * Decimal("0.5")),
                    tt_thau="G1;N1;2025;01" if supply else "",
                    tyle_tt_dv=100,
                    ma_benh="A90",
                    ngay_kq=ngay_ra,
                )
            )
    lines_all: list[Any] = [*drugs, *services]

    def total(attr: str, rows: Sequence[Any]) -> Decimal:
        return sum((getattr(r, attr) for r in rows), Decimal(0))

    xml1 = TongHop(
        ma_lk=ma_lk,
        stt=1,
        ma_bn=f"BN{index:06d}",
        ho_ten="NGƯỜI BỆNH TỔNG HỢP",
        so_cccd="000000000000",
        ngay_sinh="198001010000",
        gioi_tinh=2,
        ma_quoctich="000",
        ma_dantoc="01",
        ma_nghe_nghiep="00000",
        dia_chi="Địa chỉ tổng hợp",
        matinh_cu_tru="01",
        maxa_cu_tru="00001",
        ma_the_bhyt="DN4010000000001",
        ma_dkbd=ma_cskcb,
        gt_the_tu="20250101",
        gt_the_den="20261231",
        ly_do_vv="Sốt",
        chan_doan_vao="Sốt xuất huyết",
        chan_doan_rv="Sốt xuất huyết Dengue",
        ma_benh_chinh="A90",
        ma_doituong_kcb="1.1",
        ngay_vao=ngay_vao,
        ngay_vao_noi_tru=ngay_vao,
        ngay_ra=ngay_ra,
        so_ngay_dtri=1,
        ket_qua_dtri=1,
        ma_loai_rv=1,
        ngay_ttoan=ngay_ra,
        t_thuoc=total("thanh_tien_bv", drugs),
        t_vtyt=sum((r.thanh_tien_bv or Decimal(0) for r in services if r.ma_nhom == 10), Decimal(0)),
        t_tongchi_bv=total("thanh_tien_bv", lines_all),
        t_tongchi_bh=total("thanh_tien_bh", lines_all),
        t_bntt=total("t_bntt", lines_all),
        t_bncct=total("t_bncct", lines_all),
        t_bhtt=total("t_bhtt", lines_all),
        t_nguonkhac=Decimal(0),
        t_bhtt_gdv=total("t_bhtt", lines_all),
        nam_qt=int(ngay_ra[:4]),
        thang_qt=int(ngay_ra[4:6]),
        ma_loai_kcb="03",
        ma_khoa="K01",
        ma_cskcb=ma_cskcb,
        can_nang="55",
        ma_hsba=f"HS{index:06d}",
        ma_ttdv="000001/HN-CCHN",
    )
    xml5 = (
        DienBienBenh(
            ma_lk=ma_lk,
            stt=1,
            dien_bien_ls="Sốt 39°C",
            thoi_diem_dbls=ngay_vao,
            nguoi_thuc_hien="000001/HN-CCHN",
        ),
    )
    return Hoso(xml1=xml1, xml2=tuple(drugs), xml3=tuple(services), xml5=xml5)


def baseline_lxml_envelope(h: Hoso, version: str = "3176") -> bytes:
    """Benchmark baseline: build the same table trees and envelope with lxml and serialise them.

    No model formatting rules, no checks: values are ``str()``-ed as they are.
    """
    root = etree.Element("GIAMDINHHS")
    etree.SubElement(etree.SubElement(root, "THONGTINDONVI"), "MACSKCB").text = "01999"
    info = etree.SubElement(root, "THONGTINHOSO")
    etree.SubElement(info, "NGAYLAP").text = "20260105"
    etree.SubElement(info, "SOLUONGHOSO").text = "1"
    hoso = etree.SubElement(etree.SubElement(info, "DANHSACHHOSO"), "HOSO")
    for table, recs in h.tables().items():
        spec = SPECS[version][table]
        troot = etree.Element(spec.root)
        parent = troot if spec.list_tag is None else etree.SubElement(troot, spec.list_tag)
        for r in recs:
            rec = parent if spec.list_tag is None else etree.SubElement(parent, spec.record)
            for f in spec.fields:
                v = getattr(r, f.attr)
                etree.SubElement(rec, f.name).text = "" if v is None else str(v)
        fh = etree.SubElement(hoso, "FILEHOSO")
        etree.SubElement(fh, "LOAIHOSO").text = table
        doc = etree.tostring(troot, encoding="utf-8", xml_declaration=True)
        etree.SubElement(fh, "NOIDUNGFILE").text = base64.b64encode(doc).decode("ascii")
    etree.SubElement(root, "CHUKYDONVI")
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


__all__ = ["baseline_lxml_envelope", "make_claim"]
