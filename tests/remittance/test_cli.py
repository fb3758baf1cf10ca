"""`claims remittance import` and `claims reconcile --period` on a month of sent claims."""

from __future__ import annotations

from typer.testing import CliRunner

from claims.cli import app
from claims.kit.db import make_engine, make_session_factory
from claims.remittance import service
from claims.settlement import service as settlement
from tests.remittance.helpers import ACTOR, answer_for, as_csv, as_json, sent_month
from tests.remittance.helpers import settlement as settle


def test_import_then_reconcile_and_close(db_url, tmp_path, monkeypatch) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory() as session:
        facility, claims = sent_month(session, 4)
        period = claims[0].period
        results = [answer_for(c, lambda c, line: (line.t_bhtt, ())) for c in claims[:-1]]
    office = f"{period[:4]}-{period[4:]}"
    (tmp_path / "ket_qua.json").write_bytes(as_json(results))
    (tmp_path / "thong_bao.csv").write_bytes(as_csv([settle("QT-1", office, results[:2])]))
    monkeypatch.setenv("CLAIMS_DATABASE_URL", db_url)
    runner = CliRunner()
    r = runner.invoke(app, ["remittance", "import", str(tmp_path / "ket_qua.json"), "--kind", "assessment"])
    assert r.exit_code == 0 and f"{len(results)} records" in r.output, r.output
    r = runner.invoke(app, ["remittance", "import", str(tmp_path / "ket_qua.json"), "--kind", "assessment"])
    assert "already imported" in r.output
    r = runner.invoke(app, ["remittance", "import", str(tmp_path / "thong_bao.csv"), "--kind", "notice",
                            "--entered-by", "Kế toán"])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["reconcile", "--period", office, "--close"])
    assert r.exit_code == 0, r.output
    assert "adds up to the claimed total: yes" in r.output and "(closed)" in r.output
    with factory() as session:
        s = service.reconciliation_summary(session, facility.id, office)
        assert s.closed and s.adds_up and s.not_assessed == claims[-1].t_bhtt
        assert service.reconciliation_lines(s)[-1].endswith("adds up to the claimed total: yes")
        assert settlement.is_closed(session, facility.id, period)
        service.reconcile(session, ACTOR, facility.id, period)  # a closed period reconciles without change
        assert settlement.summary(session, ACTOR, facility.id, period).paid == s.paid
    engine.dispose()
