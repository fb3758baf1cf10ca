from tests.web.conftest import sign_in


def test_pages_render(client, web_world):
    sign_in(client, "billing_a")
    for path in ("/", "/claims", f"/claims/{web_world.blocked_id}", f"/claims/{web_world.a_claims[1]}", "/batches", "/ledger"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:3000])
    sign_in(client, "admin")
    for path in ("/", "/claims", "/admin/users", "/admin/facilities", "/admin/catalogue", "/admin/mapping", "/office/files", "/office/assessments", "/office/notices", "/finance"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:3000])
