"""Portal: the client of the BHXH gateway (token, check-in, submission, card lookup, G2 catalogues)."""

from claims.portal.client import CONNECT_TIMEOUT, RENEW_BEFORE, REQUEST_TIMEOUT, GatewayClient
from claims.portal.delivery import Delivery, deliver
from claims.portal.errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayError,
    GatewayRejected,
    GatewayRetryable,
    GatewayServerError,
    GatewayTimeout,
)
from claims.portal.expiry import parse_expiry
from claims.portal.protocol import envelope_hash, password_hash
from claims.portal.schemas import (
    CardLookupResult,
    CardQuery,
    FacilityAccount,
    GatewayReceipt,
    GatewayToken,
    SubmissionLookup,
)

__all__ = [
    "CONNECT_TIMEOUT",
    "RENEW_BEFORE",
    "REQUEST_TIMEOUT",
    "CardLookupResult",
    "CardQuery",
    "Delivery",
    "FacilityAccount",
    "GatewayAuthError",
    "GatewayClient",
    "GatewayConnectionError",
    "GatewayError",
    "GatewayReceipt",
    "GatewayRejected",
    "GatewayRetryable",
    "GatewayServerError",
    "GatewayTimeout",
    "GatewayToken",
    "SubmissionLookup",
    "deliver",
    "envelope_hash",
    "parse_expiry",
    "password_hash",
]
