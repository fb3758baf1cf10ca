"""Paths, form fields and result codes of the BHXH gateway (``gateway.md``), shared by client and office.

Everything under ``/api/ext/`` is **our extension**, offered only by our office gateway (``claims.insurer``),
not by the real BHXH gateway: a submission lookup for exactly-once sending and the assessment/payment files.
"""

from __future__ import annotations

import hashlib
from typing import Final

TOKEN_PATH: Final = "/api/token/take"  # noqa: S105 - a path, not a secret
CHECKIN_PATH: Final = "/api/qd130/checkInKcbQd3176"
SUBMIT_PATH: Final = "/api/qd130/guiHoSoXmlQD3176"
CARD_LOOKUP_PATH: Final = "/api/egw/KQNhanLichSuKCB2024"

# G2 catalogue templates (catalogues.md §9): template number -> (path, loaiHs).
CATALOGUE_ENDPOINTS: Final[dict[int, tuple[str, str]]] = {
    1: ("/api/DanhMucGW/GuiDanhMuc01_BPCMKBCB", "70"),
    2: ("/api/DanhMucGW/GuiDanhMuc02_NLKCB", "71"),
    3: ("/api/DanhMucGW/GuiDanhMuc03_DMTHUOC", "10"),
    4: ("/api/DanhMucGW/GuiDanhMuc04_DMVTYT", "11"),
    5: ("/api/DanhMucGW/GuiDanhMuc05_DVKT", "12"),
    6: ("/api/DanhMucGW/GuiDanhMuc06_DMTBYT", "72"),
}

# Our extensions (not the real gateway's).
EXT_SUBMISSION_LOOKUP_PATH: Final = "/api/ext/submissions/lookup"
EXT_RESULTS_PATH: Final = "/api/ext/results"
EXT_NOTICES_PATH: Final = "/api/ext/notices"
EXT_REFUSALS_PATH: Final = "/api/ext/refusals"

LOAI_HO_SO_CHECKIN: Final = "0"
LOAI_HO_SO_CLAIM: Final = "130"  # the same value for the 130, 4750 and 3176 endpoints

# maKetQua values (gateway.md §3, §4, §7 and catalogues.md §9).
OK: Final = "200"
UNAUTHENTICATED: Final = "401"
EXPIRED_TOKEN: Final = "402"  # noqa: S105 - a result code
FORBIDDEN: Final = "403"
SERVER_ERROR: Final = "500"
XML_FORMAT_ERROR: Final = "201"
XML_CONTENT_ERROR: Final = "202"
EMPTY_XML: Final = "204"
PARAMETER_ERROR: Final = "205"
WRONG_FILE_FORMAT: Final = "123"
SAVE_ERROR: Final = "124"  # "the file is resent automatically": transient on the gateway side
FILE_TOO_LARGE: Final = "1001"
# Signature refusals: the real gateway's codes are not public; ours (documented in docs/office-gateway.md).
SIGNATURE_MISSING: Final = "210"
SIGNATURE_INVALID: Final = "211"
CERTIFICATE_NOT_REGISTERED: Final = "212"
NOT_FOUND: Final = "404"  # extension lookups only

RETRYABLE_CODES: Final = frozenset({SERVER_ERROR, SAVE_ERROR})
AUTH_CODES: Final = frozenset({UNAUTHENTICATED, EXPIRED_TOKEN})

# Card lookup results that make a card unusable for a claim (gateway.md §5.1, as one HIS reads them).
CARD_INVALID_CODES: Final = frozenset(
    {"003", "010", "050", "051", "052", "053", "060", "061", "070", "110", "120", "121", "122", "123", "124", "130"}
)


def password_hash(password: str) -> str:
    """The gateway's password form: MD5 of the UTF-8 password as 32 upper-case hex characters (gateway.md §2)."""
    return hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def envelope_hash(envelope: bytes) -> str:
    """Identity of the exact bytes sent (SHA-256 hex): the ledger's and the office's de-duplication key."""
    return hashlib.sha256(envelope).hexdigest()
