from __future__ import annotations

import json
import logging

from claims.logging import MASK, configure_logging, get_logger, mask_personal


def test_personal_fields_are_masked():
    event = {
        "event": "imported patient GD4797923456789 with CCCD 012345678901",
        "ho_ten": "Nguyễn Văn A",
        "MA_THE_BHYT": "GD4797923456789",
        "claim_id": 7,
        "nested": {"dia_chi": "Hà Nội", "ma_lk": "LK1"},
    }
    out = mask_personal(event)
    assert out["ho_ten"] == MASK and out["MA_THE_BHYT"] == MASK
    assert out["nested"] == {"dia_chi": MASK, "ma_lk": "LK1"}
    assert "GD4797923456789" not in out["event"] and "012345678901" not in out["event"]
    assert out["claim_id"] == 7


def test_production_logs_are_json_without_personal_data(capsys):
    configure_logging("production", "INFO")
    try:
        get_logger("t").info("claim_imported", claim_id=3, ho_ten="Trần Thị B", so_cccd="001122334455")
        err = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(err)
        assert record["event"] == "claim_imported" and record["claim_id"] == 3
        assert "Trần Thị B" not in err and "001122334455" not in err
    finally:
        configure_logging("dev", "INFO")
        logging.getLogger().handlers.clear()
