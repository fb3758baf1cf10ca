import base64
from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st

from claims.portal import CONNECT_TIMEOUT, REQUEST_TIMEOUT, GatewayClient
from claims.portal.client import _urlencode


@given(payload=st.binary(max_size=2000), name=st.text(max_size=30))
def test_fast_form_encoding_decodes_like_the_standard_one(payload: bytes, name: str) -> None:
    form = {"username": name, "loaiHoSo": "130", "fileHSBase64": base64.b64encode(payload).decode()}
    ours = _urlencode(form).decode()
    assert parse_qsl(ours, keep_blank_values=True) == parse_qsl(urlencode(form), keep_blank_values=True)
    assert "+" not in ours.split("fileHSBase64=")[1]  # a literal + would decode as a space


def test_default_timeouts_are_5s_connect_30s_request() -> None:
    client = GatewayClient("http://x")
    assert (CONNECT_TIMEOUT, REQUEST_TIMEOUT) == (5.0, 30.0)
    assert client._http.timeout.connect == 5.0 and client._http.timeout.read == 30.0
    assert client._request_timeout == 30.0
