"""HL7 v2 over MLLP: an asyncio server on a configurable port answering every message with ACK or NAK.

Framing: ``<VT> message <FS><CR>``. Each message is answered in order on its connection:
``AA`` when it was taken in (a visit is imported as soon as it has a discharge, and re-imported —
new version or unchanged — when a later message changes it), ``AE`` when the message was read but
the visit it completes cannot become an encounter (the reason in MSA-3 and ERR-8), ``AR`` when the
message cannot be read or is of a type we do not take (reason likewise).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from claims.intake.hl7v2 import SUPPORTED, Encoding, Hl7Error, Message, VisitAssembler, parse_message
from claims.intake.records import ParsedRecord
from claims.intake.report import ImportReport
from claims.intake.service import EncounterRepository, MappingLookup, import_items

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
DEFAULT_MAX_MESSAGE = 1 << 20  # 1 MiB: an intake message is a few KB


def frame(text: str) -> bytes:
    return START_BLOCK + text.encode("utf-8") + END_BLOCK


def build_ack(message: Message | None, code: str, reason: str = "", error_code: str = "207") -> str:
    """An ACK for ``message`` (or a minimal one when it could not be read) with MSA-1 ``code``."""
    enc = message.msh.encoding if message else Encoding()
    sep = enc.field
    now = datetime.now().astimezone().strftime("%Y%m%d%H%M%S%z")  # the ACK's own time stamp (MSH-7)
    if message is not None:
        msh = message.msh
        sending, sending_facility = msh.raw(5), msh.raw(6)
        receiving, receiving_facility = msh.raw(3), msh.raw(4)
        control, version, trigger = msh.get(10), msh.get(12) or "2.5", msh.get(9, 2)
    else:
        sending = sending_facility = receiving = receiving_facility = ""
        control, version, trigger = "", "2.5", ""
    encoding_chars = enc.component + enc.repetition + enc.escape + enc.subcomponent
    ack_control = f"ACK{control}"[:20] if control else f"ACK{now}"
    segments = [
        sep.join(
            [
                "MSH",
                encoding_chars,
                sending,
                sending_facility,
                receiving,
                receiving_facility,
                now,
                "",
                f"ACK{enc.component}{trigger}{enc.component}ACK" if trigger else "ACK",
                ack_control,
                "P",
                version,
            ]
        ),
        sep.join(["MSA", code, control, _escape(reason, enc)[:80]]),
    ]
    if code != "AA":
        severity = "E"
        segments.append(
            sep.join(["ERR", "", "", f"{error_code}{enc.component}{_error_text(error_code)}{enc.component}HL70357",
                      severity, "", "", "", _escape(reason, enc)])
        )  # fmt: skip
    return "\r".join(segments) + "\r"


def _error_text(code: str) -> str:
    return {"100": "Segment sequence error", "102": "Data type error", "200": "Unsupported message type",
            "207": "Application internal error"}.get(code, "Application error")  # fmt: skip


def _escape(text: str, enc: Encoding) -> str:
    out = text.replace(enc.escape, f"{enc.escape}E{enc.escape}")
    for char, name in ((enc.field, "F"), (enc.component, "S"), (enc.subcomponent, "T"), (enc.repetition, "R")):
        out = out.replace(char, f"{enc.escape}{name}{enc.escape}")
    return out.replace("\r", " ").replace("\n", " ")


class IntakeHandler:
    """Turns each message into an ACK, importing visits through the service as they complete."""

    def __init__(
        self,
        repository: EncounterRepository,
        assembler: VisitAssembler | None = None,
        mappings: MappingLookup | None = None,
    ) -> None:
        self.repository = repository
        self.assembler = assembler or VisitAssembler()
        self.mappings = mappings
        self.reports: list[ImportReport] = []

    def __call__(self, text: str) -> str:
        try:
            message = parse_message(text)
        except Hl7Error as exc:
            return build_ack(None, "AR", str(exc), "100")
        if message.kind not in SUPPORTED:
            kind = "^".join(message.kind)
            return build_ack(message, "AR", f"{kind} is not an intake message", "200")
        label = f"message {message.control_id or '?'}"
        try:
            visit = self.assembler.feed(message, message.control_id or "?")
        except Hl7Error as exc:
            return build_ack(message, "AE", str(exc), "101")
        # The in-memory store keeps the last ``window`` visits; a database store keeps them all.
        self.assembler.forget_beyond_window()
        if not visit.complete:
            return build_ack(message, "AA")  # held until the discharge arrives
        record = self.assembler.build(visit)
        try:
            report = self.store(record, label)
        except Exception as exc:  # not stored (the database is down …): the sender must send it again
            return build_ack(message, "AE", f"not stored: {type(exc).__name__}", "207")
        self.reports.append(report)
        if report.failures:
            return build_ack(message, "AE", report.failures[0].reason)
        return build_ack(message, "AA")

    def store(self, record: ParsedRecord, label: str) -> ImportReport:
        """Import one completed visit; the ACK is sent only after this returns (committed, for a database)."""
        return import_items([record], self.repository, ImportReport(label, "hl7"), self.mappings)


Handler = Callable[[str], str]


async def _serve_connection(
    handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_size: int, idle: float
) -> None:
    buffer = b""
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), timeout=idle)
            except TimeoutError:
                break
            if not chunk:
                break
            buffer += chunk
            while True:
                end = buffer.find(END_BLOCK)
                if end < 0:
                    if len(buffer) > max_size:
                        writer.write(frame(build_ack(None, "AR", f"message larger than {max_size} bytes", "207")))
                        await writer.drain()
                        return
                    break
                start = buffer.find(START_BLOCK)
                body = buffer[start + 1 if 0 <= start < end else 0 : end]
                buffer = buffer[end + len(END_BLOCK) :]
                if len(body) > max_size:
                    answer = build_ack(None, "AR", f"message larger than {max_size} bytes", "207")
                else:
                    answer = handler(_decode(body))
                writer.write(frame(answer))
                await writer.drain()
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")  # MSH-18 other than UTF-8: keep every byte readable


async def start_server(
    handler: Handler,
    host: str = "127.0.0.1",
    port: int = 2575,
    *,
    max_size: int = DEFAULT_MAX_MESSAGE,
    idle_timeout: float = 300.0,
) -> asyncio.Server:
    """Listen for MLLP connections (port 0 picks a free port: read it from ``server.sockets``)."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve_connection(handler, reader, writer, max_size, idle_timeout)

    return await asyncio.start_server(on_connect, host, port)


async def send(host: str, port: int, messages: list[str], timeout: float = 10.0) -> list[str]:
    """A minimal MLLP client: send each message and collect each answer (tests, `claims` tools)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    answers = []
    try:
        for text in messages:
            writer.write(frame(text))
            await writer.drain()
            data = await asyncio.wait_for(reader.readuntil(END_BLOCK), timeout)
            answers.append(_decode(data.strip(START_BLOCK + END_BLOCK)))
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return answers
