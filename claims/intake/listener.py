"""The MLLP listener's database side: every completed visit is imported as its own import run and committed
before the ACK goes back; when it cannot be stored the answer is a NAK (AE) with the reason."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from claims.auth.scope import Principal
from claims.intake.hl7v2 import VisitAssembler
from claims.intake.mapping import CodeMapping
from claims.intake.mllp import IntakeHandler
from claims.intake.records import ParsedRecord
from claims.intake.report import ImportReport
from claims.intake.repository import DbMappings, DbRepository
from claims.intake.runs import create_run, finish_run
from claims.intake.service import import_items
from claims.kit.types import utcnow


class DbIntakeHandler(IntakeHandler):
    """An :class:`IntakeHandler` storing into the database (one transaction per completed visit)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        actor: Principal,
        assembler: VisitAssembler | None = None,
        facility_id: int | None = None,
        mapping: CodeMapping | None = None,
    ) -> None:
        super().__init__(repository=None, assembler=assembler)  # type: ignore[arg-type]
        self.factory, self.actor, self.facility_id, self.mapping = factory, actor, facility_id, mapping

    def store(self, record: ParsedRecord, label: str) -> ImportReport:
        with self.factory() as session:
            run = create_run(session, self.actor, source=f"mllp {label}", fmt="hl7", facility_id=self.facility_id)
            run.status, run.started_at = "running", utcnow()
            repository = DbRepository(session, self.actor, import_id=run.id, source="hl7-mllp")
            fixed = self.mapping
            mappings = DbMappings(session) if fixed is None else (lambda _code: fixed)
            report = import_items([record], repository, ImportReport(label, "hl7"), mappings)
            finish_run(session, self.actor, run, report)
            session.commit()  # the ACK is sent after this: what was acknowledged is stored
        return report
