"""Insurer: the office side — a gateway that receives, verifies and de-duplicates claims, and publishes
assessment results and payment notices (``docs/office-gateway.md``, ``docs/office-files.md``)."""

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
from claims.insurer.store import GatewayStore, InMemoryGatewayStore
from claims.insurer.validation import Finding, Validator, minimal_validator

__all__ = [
    "AssessedLine",
    "AssessmentResult",
    "DisallowanceReason",
    "FaultConfig",
    "FaultInjector",
    "Finding",
    "GatewayStore",
    "InMemoryGatewayStore",
    "PaymentNotice",
    "ReceivedDocument",
    "RegisteredFacility",
    "Validator",
    "create_gateway_app",
    "minimal_validator",
]
