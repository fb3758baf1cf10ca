"""Insurer: the office side — a gateway that receives, verifies, validates and de-duplicates claims, assesses
them with its own tariff, and publishes assessment results and payment notices (``docs/office-api.md``,
``docs/office-gateway.md``, ``docs/office-files.md``)."""

from claims.insurer.endpoints import create_gateway_app
from claims.insurer.faults import FaultConfig, FaultInjector
from claims.insurer.schemas import (
    AssessedLine,
    AssessmentResult,
    DisallowanceReason,
    PaymentNotice,
    ReceivedDocument,
    RegisteredFacility,
)
from claims.insurer.sqlstore import SqlGatewayStore
from claims.insurer.store import GatewayStore, InMemoryGatewayStore
from claims.insurer.validation import Finding, OfficeValidator, Validator, minimal_validator

__all__ = [
    "AssessedLine",
    "AssessmentResult",
    "DisallowanceReason",
    "FaultConfig",
    "FaultInjector",
    "Finding",
    "GatewayStore",
    "InMemoryGatewayStore",
    "OfficeValidator",
    "PaymentNotice",
    "ReceivedDocument",
    "RegisteredFacility",
    "SqlGatewayStore",
    "Validator",
    "create_gateway_app",
    "minimal_validator",
]
