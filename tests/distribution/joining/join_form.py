"""The join page's form as a patient fills it in, and the one-time code from the SMS that completes it."""

from __future__ import annotations

NUMBER = "138 0013 8000"


def form(**overrides):
    data = {
        "action": "send",
        "display_name": "王阿姨",
        "mobile": NUMBER,
        "language": "zh-hans",
        "consent": "on",
        "keywords": ["高血压"],
        "health_data_consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def last_code(sms_server) -> str:
    return sms_server.sent[-1].params[0]


def join_by_sms(client, invitation, sms_server, capture=None, **overrides):
    """Fill in the form, then the code from the SMS; the welcome task runs when the request's transaction commits."""
    url = invitation.join_path()
    response = client.post(url, form(**overrides))
    assert response.status_code == 200, response.content.decode()[:2000]
    if capture is None:
        return client.post(url, {"action": "verify", "code": last_code(sms_server)})
    with capture(execute=True):
        return client.post(url, {"action": "verify", "code": last_code(sms_server)})
