import asyncio

from claims.intake.hl7v2 import VisitAssembler, parse_message
from claims.intake.mapping import CodeMapping
from claims.intake.mllp import IntakeHandler, build_ack, send, start_server
from claims.intake.service import InMemoryRepository
from tests.intake.helpers import SAMPLES

HL7 = SAMPLES / "hl7v2"
SCT_TO_ICD10 = CodeMapping(diagnoses={"29857009": "R07.4", "68235000": "R09.8", "422504002": "I63.9"})


def _msa(ack: str) -> list[str]:
    segments = {line.split("|")[0]: line.split("|") for line in ack.split("\r") if line}
    return segments["MSA"]


def _err(ack: str) -> list[str] | None:
    for line in ack.split("\r"):
        if line.startswith("ERR|"):
            return line.split("|")
    return None


def test_ack_and_nak_over_loopback() -> None:
    repository = InMemoryRepository()
    assembler = VisitAssembler("79001", SCT_TO_ICD10)
    handler = IntakeHandler(repository, assembler, mappings=lambda facility: SCT_TO_ICD10)

    async def scenario() -> list[str]:
        server = await start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            messages = [
                (HL7 / "ADT-A01-01.hl7").read_text(),
                (HL7 / "DFT-P03-01.hl7").read_text(),
                (HL7 / "ADT-A03-01.hl7").read_text(),
                (HL7 / "ADT-A03-01.hl7").read_text(),  # the same discharge again: nothing changes
                (HL7 / "RDS-O13-01.hl7").read_text(),
                "this is not HL7",
                "MSH|^~\\&|A|B|C|D|1||DFT^P03|NOVISIT|P|2.8\rPID|1||X^^^^MR\r",
            ]
            return await send("127.0.0.1", port, messages)
        finally:
            server.close()
            await server.wait_closed()

    answers = asyncio.run(scenario())
    assert [_msa(answer)[1] for answer in answers] == ["AA", "AA", "AA", "AA", "AR", "AR", "AE"]
    assert _msa(answers[0])[2] == "MSG00001"
    assert answers[0].startswith("MSH|^~\\&|EHRApp^1.Edu^ISO|GHHRFacility")  # sender and receiver swapped
    assert _err(answers[0]) is None
    assert r"RDS\S\O13 is not an intake message" in _msa(answers[4])[3]  # the ^ is escaped
    nak = _err(answers[5])
    assert nak is not None and nak[3].startswith("100^")
    assert nak[8] == "MSH: the message does not start with an MSH segment"
    assert _err(answers[6])[8].startswith("PV1-19: no visit number")  # type: ignore[index]
    # The discharge completed the visit: imported once, the repeat left it unchanged.
    assert [(r.imported, r.unchanged) for r in handler.reports] == [(1, 0), (0, 1)]
    assert repository.latest("79001", "40007716") is not None


def test_a_visit_that_cannot_become_an_encounter_is_answered_ae_with_the_reason() -> None:
    handler = IntakeHandler(InMemoryRepository(), VisitAssembler("79001"))  # no diagnosis mapping
    handler((HL7 / "DFT-P03-01.hl7").read_text())
    ack = handler((HL7 / "ADT-A03-01.hl7").read_text())
    assert _msa(ack)[1] == "AE"
    assert "DG1-3: no ICD-10 diagnosis for visit 40007716" in _err(ack)[8]  # type: ignore[index]


def test_reason_text_is_escaped_in_the_ack() -> None:
    message = parse_message("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5")
    ack = build_ack(message, "AE", "bad | field ^ here")
    assert "bad \\F\\ field \\S\\ here" in ack


def test_an_oversized_message_is_refused() -> None:
    import asyncio as aio

    async def scenario() -> str:
        server = await start_server(lambda text: "never", "127.0.0.1", 0, max_size=1000)
        port = server.sockets[0].getsockname()[1]
        try:
            (answer,) = await send("127.0.0.1", port, ["MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r" + "NTE|" + "x" * 5000])
            return answer
        finally:
            server.close()
            await server.wait_closed()

    answer = aio.run(scenario())
    assert _msa(answer)[1] == "AR" and "message larger than 1000 bytes" in answer


def test_open_visits_live_in_a_pluggable_store() -> None:
    """A restarted listener with the same store (the database, later) still merges the visit."""
    from claims.intake.hl7v2 import InMemoryVisitStore

    store = InMemoryVisitStore()
    repository = InMemoryRepository()
    before = IntakeHandler(repository, VisitAssembler("79001", SCT_TO_ICD10, store=store))
    before((HL7 / "ADT-A01-01.hl7").read_text())
    before((HL7 / "DFT-P03-01.hl7").read_text())
    assert len(store) == 1 and repository.latest("79001", "40007716") is None
    after = IntakeHandler(repository, VisitAssembler("79001", SCT_TO_ICD10, store=store))
    assert _msa(after((HL7 / "ADT-A03-01.hl7").read_text()))[1] == "AA"
    assert len(repository.encounter("79001", "40007716").lines) == 2


def test_the_live_window_bounds_memory() -> None:
    handler = IntakeHandler(InMemoryRepository(), VisitAssembler("79001", window=3))
    for number in range(10):
        handler(f"MSH|^~\\&|A|B|C|D|1||ADT^A01|M{number}|P|2.5\rPV1|1|I|||||||||||||||||V{number}\r")
    assert [visit.key for visit in handler.assembler.store.drain()] == ["V7", "V8", "V9"]  # type: ignore[attr-defined]


def test_the_listener_stores_each_completed_visit_before_acknowledging(session_factory) -> None:
    from sqlalchemy import select

    from claims.auth.scope import system_principal
    from claims.encounter.models import EncounterRecord
    from claims.intake.listener import DbIntakeHandler
    from claims.intake.models import ImportRun
    from tests.intake.db_helpers import facilities

    [facility_id] = facilities(session_factory, "79001")
    handler = DbIntakeHandler(
        session_factory, system_principal("mllp"), VisitAssembler("79001", SCT_TO_ICD10), facility_id
    )
    names = ("ADT-A01-01.hl7", "DFT-P03-01.hl7", "ADT-A03-01.hl7", "ADT-A03-01.hl7")
    answers = [handler((HL7 / name).read_text()) for name in names]
    assert [_msa(answer)[1] for answer in answers] == ["AA", "AA", "AA", "AA"]
    with session_factory() as session:
        stored = session.scalars(select(EncounterRecord)).one()  # the repeated discharge changed nothing
        assert stored.ma_lk == "40007716" and stored.source == "hl7-mllp"
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.imported, r.unchanged, r.status) for r in runs] == [(1, 0, "done"), (0, 1, "done")]

    def broken(*_args, **_kwargs):
        raise ConnectionError("database unavailable")

    handler.factory = broken  # type: ignore[assignment]
    nak = handler((HL7 / "ADT-A03-01.hl7").read_text())
    assert _msa(nak)[1] == "AE" and "not stored: ConnectionError" in _msa(nak)[3]
