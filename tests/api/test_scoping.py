"""A billing user of facility A can neither read nor change facility B's records through any
endpoint. The test walks every operation in the OpenAPI document, fills path parameters with B's
ids and sends a plausible body; B's data must never come back, and nothing of B's may change."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from claims.audit.models import AuditEvent
from claims.claim.models import Claim, ClaimVersion
from claims.encounter.models import EncounterRecord
from claims.review.models import Finding
from claims.submission.models import Batch, SubmissionLedger

SAFE_STATUSES = {401, 403, 404, 405, 422}


def _example(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A minimal valid-looking value for a JSON schema (required fields only)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _example(spec["components"]["schemas"][name], spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], spec) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(props[k], spec) for k in schema.get("required", []) if k in props}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    return "x" * max(1, schema.get("minLength", 1))


def _fill(path: str, ids: dict[str, Any]) -> tuple[str, bool]:
    """The path with B's ids; and whether any parameter names a facility-scoped record."""
    scoped = False

    def repl(m: re.Match[str]) -> str:
        nonlocal scoped
        name = m.group(1)
        scoped = scoped or name in ids
        # Unknown parameters (unscoped reference data such as catalogue items) get a plausible id;
        # their responses are still checked for B's data.
        return str(ids.get(name, ids["claim_id"]))

    return re.sub(r"\{([^}]+)\}", repl, path), scoped


def _b_state(app, world) -> dict[str, Any]:
    with app.state.session_factory() as s:
        claim = s.get(Claim, world.claim_b.id)
        enc = s.get(EncounterRecord, world.encounter_b.id)
        audits = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.facility_id == world.facility_b.id)
        )
        return {
            "claim": (claim.status, claim.version, claim.updated_at, claim.t_bhtt) if claim else None,
            "encounter": (enc.payload, enc.content_hash) if enc else None,
            "b_audits": audits,
            "claims_total": s.scalar(select(func.count()).select_from(Claim)),
            "b_rows": {
                model.__tablename__: s.scalar(
                    select(func.count()).select_from(model).where(model.facility_id == world.facility_b.id)
                )
                for model in (Batch, Finding, ClaimVersion, SubmissionLedger, EncounterRecord, Claim)
            },
            "b_finding": s.get(Finding, world.finding_b.id).resolved,
            "b_batch": s.get(Batch, world.batch_b.id).status,
        }


@pytest.mark.parametrize("who", ["billing_a", "finance_a"])
def test_user_of_a_cannot_reach_b_through_any_route(app, client, world, login, who):
    headers = login(who)
    spec = client.get("/openapi.json").json()
    ids = world.b_ids()
    markers = ["B-SECRET-LK-0001", world.facility_b.ma_cskcb, "billing_b", "finance_b"]
    before = _b_state(app, world)
    walked = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            url, scoped = _fill(path, ids)
            body = None
            if "requestBody" in op:
                content = op["requestBody"]["content"]
                media = next(iter(content))
                body = _example(content[media]["schema"], spec)
                if "claim_id" in path and "to" in (body or {}):
                    body["to"] = "priced"  # a transition that would be legal for B's claim
            query = {"facility_id": world.facility_b.id} if method == "get" and "{" not in path else None
            r = client.request(method.upper(), url, headers=headers, json=body, params=query)
            walked += 1
            text = r.text
            # whole tokens only: a facility code like 79002 may appear inside an unrelated number (/metrics)
            leaked = [m for m in markers if re.search(rf"(?<![0-9A-Za-z]){re.escape(m)}(?![0-9A-Za-z])", text)]
            assert not leaked, f"{method.upper()} {url} leaked {leaked}: {text[:300]}"
            if scoped:
                assert r.status_code in SAFE_STATUSES, f"{method.upper()} {url} -> {r.status_code} {text[:300]}"
            if r.status_code == 200 and r.headers.get("content-type", "").startswith("application/json"):
                assert str(world.facility_b.id) not in json.dumps(_facility_ids(r.json())), f"{url} returned B rows"
    assert walked >= 10
    assert _b_state(app, world) == before


def _facility_ids(data: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(data, dict):
        if "facility_id" in data:
            found.append(data["facility_id"])
        for v in data.values():
            found.extend(_facility_ids(v))
    elif isinstance(data, list):
        for v in data:
            found.extend(_facility_ids(v))
    return found


def test_b_records_are_404_not_403(client, world, login):
    h = login("billing_a")
    for url in (f"/api/claims/{world.claim_b.id}", f"/api/encounters/{world.encounter_b.id}"):
        r = client.get(url, headers=h)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.post(f"/api/claims/{world.claim_b.id}/transition", headers=h, json={"to": "priced"})
    assert r.status_code == 404


def test_a_sees_its_own_records(client, world, login):
    h = login("billing_a")
    r = client.get("/api/claims", headers=h)
    assert [c["ma_lk"] for c in r.json()["items"]] == ["A-LK-0001"]
    assert client.get(f"/api/claims/{world.claim_a.id}", headers=h).json()["lines"][0]["code"] == "02.1896"
    assert client.get(f"/api/encounters/{world.encounter_a.id}", headers=h).status_code == 200


def test_insurer_and_admin_see_all(client, world, login):
    for who in ("insurer", "admin"):
        r = client.get("/api/claims", headers=login(who))
        assert r.json()["total"] == 2
