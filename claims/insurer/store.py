"""State of the office gateway behind one Protocol; in memory now, a database implementation later.

``record`` is the one operation that must be atomic: it decides, for a key (kind, facility, MA_LK), whether the
bytes are an identical resend (answer with the original receipt, count nothing), a changed resend (a new
version replaces the current one) or a first reception.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from claims.insurer.schemas import (
    AssessmentResult,
    DocumentKind,
    GatewayStats,
    IssuedToken,
    PaymentNotice,
    ReceivedDocument,
    ReceiveOutcome,
    RegisteredFacility,
)


class GatewayStore(Protocol):
    def add_facility(self, facility: RegisteredFacility) -> None: ...
    def facility(self, username: str) -> RegisteredFacility | None: ...
    def save_token(self, token: IssuedToken) -> None: ...
    def token(self, access_token: str) -> IssuedToken | None: ...

    def record(self, document: ReceivedDocument) -> ReceiveOutcome:
        """Store ``document`` (its ``transaction_id`` and ``version`` are filled here) unless it is a duplicate."""
        ...

    def current(self, kind: DocumentKind, facility_code: str, key: str) -> ReceivedDocument | None: ...

    def duplicate_of(
        self, kind: DocumentKind, facility_code: str, key: str, envelope_sha256: str
    ) -> ReceivedDocument | None:
        """The current version when it has this hash (and count the duplicate), else None — atomically."""
        ...

    def find_version(
        self, kind: DocumentKind, facility_code: str, key: str, envelope_sha256: str
    ) -> ReceivedDocument | None: ...
    def documents(self, kind: DocumentKind, facility_code: str | None = None) -> list[ReceivedDocument]: ...
    def count_refusal(self) -> None: ...
    def stats(self) -> GatewayStats: ...

    def save_assessment(self, result: AssessmentResult) -> None: ...
    def assessment(self, facility_code: str, ma_lk: str) -> AssessmentResult | None: ...
    def assessments(self, facility_code: str, period: str | None = None) -> list[AssessmentResult]: ...
    def save_notice(self, notice: PaymentNotice) -> None: ...
    def notice(self, facility_code: str, notice_id: str) -> PaymentNotice | None: ...
    def notices(self, facility_code: str, period: str | None = None) -> list[PaymentNotice]: ...


_Key = tuple[str, str, str]


class InMemoryGatewayStore:
    """Thread-safe, process-local store (tests, demos, ``claims insurer serve`` without a database)."""

    def __init__(self, transaction_ids: Callable[[datetime], str] | None = None) -> None:
        self._lock = threading.Lock()
        self._facilities: dict[str, RegisteredFacility] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._current: dict[_Key, ReceivedDocument] = {}
        self._versions: dict[_Key, list[ReceivedDocument]] = {}
        self._assessments: dict[tuple[str, str], AssessmentResult] = {}
        self._notices: dict[tuple[str, str], PaymentNotice] = {}
        self._duplicates = 0
        self._refused = 0
        counter = itertools.count(1)
        self._next_id = transaction_ids or (lambda at: f"{at:%Y%m%d}{next(counter):010d}")

    def add_facility(self, facility: RegisteredFacility) -> None:
        with self._lock:
            self._facilities[facility.username] = facility

    def facility(self, username: str) -> RegisteredFacility | None:
        return self._facilities.get(username)

    def save_token(self, token: IssuedToken) -> None:
        with self._lock:
            self._tokens[token.access_token] = token

    def token(self, access_token: str) -> IssuedToken | None:
        return self._tokens.get(access_token)

    def record(self, document: ReceivedDocument) -> ReceiveOutcome:
        key = (document.kind, document.facility_code, document.key)
        with self._lock:
            current = self._current.get(key)
            if current is not None and current.envelope_sha256 == document.envelope_sha256:
                self._duplicates += 1
                return ReceiveOutcome(current, duplicate=True, replaced=None)
            versions = self._versions.setdefault(key, [])
            stored = replace(
                document, transaction_id=self._next_id(document.received_at), version=len(versions) + 1
            )
            versions.append(stored)
            self._current[key] = stored
            return ReceiveOutcome(stored, duplicate=False, replaced=current)

    def current(self, kind: DocumentKind, facility_code: str, key: str) -> ReceivedDocument | None:
        return self._current.get((kind, facility_code, key))

    def duplicate_of(
        self, kind: DocumentKind, facility_code: str, key: str, envelope_sha256: str
    ) -> ReceivedDocument | None:
        with self._lock:
            current = self._current.get((kind, facility_code, key))
            if current is None or current.envelope_sha256 != envelope_sha256:
                return None
            self._duplicates += 1
            return current

    def find_version(
        self, kind: DocumentKind, facility_code: str, key: str, envelope_sha256: str
    ) -> ReceivedDocument | None:
        with self._lock:
            for version in reversed(self._versions.get((kind, facility_code, key), [])):
                if version.envelope_sha256 == envelope_sha256:
                    return version
        return None

    def documents(self, kind: DocumentKind, facility_code: str | None = None) -> list[ReceivedDocument]:
        with self._lock:
            return [
                document
                for (k, f, _), document in self._current.items()
                if k == kind and facility_code in (None, f)
            ]

    def count_refusal(self) -> None:
        with self._lock:
            self._refused += 1

    def stats(self) -> GatewayStats:
        with self._lock:
            by_kind = {"claim": 0, "checkin": 0, "catalogue": 0}
            for kind, _facility, _key in self._current:
                by_kind[kind] += 1
            versions = sum(len(v) for (kind, _f, _k), v in self._versions.items() if kind == "claim")
            return GatewayStats(
                claims=by_kind["claim"],
                claim_versions=versions,
                duplicates=self._duplicates,
                checkins=by_kind["checkin"],
                catalogues=by_kind["catalogue"],
                refused=self._refused,
            )

    def save_assessment(self, result: AssessmentResult) -> None:
        with self._lock:
            self._assessments[(result.facility_code, result.ma_lk)] = result

    def assessment(self, facility_code: str, ma_lk: str) -> AssessmentResult | None:
        return self._assessments.get((facility_code, ma_lk))

    def assessments(self, facility_code: str, period: str | None = None) -> list[AssessmentResult]:
        with self._lock:
            found = [
                r for (f, _), r in self._assessments.items() if f == facility_code and period in (None, r.period)
            ]
        return sorted(found, key=lambda r: r.ma_lk)

    def save_notice(self, notice: PaymentNotice) -> None:
        with self._lock:
            self._notices[(notice.facility_code, notice.notice_id)] = notice

    def notice(self, facility_code: str, notice_id: str) -> PaymentNotice | None:
        return self._notices.get((facility_code, notice_id))

    def notices(self, facility_code: str, period: str | None = None) -> list[PaymentNotice]:
        with self._lock:
            found = [n for (f, _), n in self._notices.items() if f == facility_code and period in (None, n.period)]
        return sorted(found, key=lambda n: (n.period, n.issued_on, n.notice_id))
