"""`load_demo` gives a first-time user something to look at, and can be run again safely."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory  # django-axes needs the request to count attempts

from cms.articles.models import Article
from cms.illustrations.models import Illustration
from distribution.patients.models import DISTRIBUTORS


@pytest.mark.django_db
def test_load_demo_twice(client, encyclopedia):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=io.StringIO())
    text = out.getvalue()
    for username in ("admin", "editor", "doctor"):
        assert username in text
        assert (
            authenticate(RequestFactory().post("/admin/login/"), username=username, password="kepu-demo-2026")
            is not None
        )
    assert Article.objects.live().count() == 4
    assert set(Article.objects.values_list("locale__language_code", flat=True)) == {"zh-hans", "en"}
    assert Illustration.objects.count() == 3
    article = Article.objects.get(title="在家测血压：五个步骤测得准")
    assert article.doctor.name == "李明" and article.reading_time_minutes >= 1
    response = client.get(article.url)
    assert response.status_code == 200 and "在家测血压" in response.content.decode()
    # The hypertension ICD entry got Chinese text written by the studio.
    hypertension = article.related_entries.get()
    assert hypertension.icd10_codes == "I10" and "收缩压" in hypertension.plain_text()
    # The two blood-pressure articles are one topic in two languages: each page offers the other,
    # and the English one credits the doctor in English.
    english = Article.objects.get(title="Measuring your blood pressure at home")
    assert english.translation_key == article.translation_key
    zh_page = response.content.decode()
    assert f'hreflang="en" href="http://testserver{english.url}"' in zh_page or english.url in zh_page
    en_page = client.get(english.url)
    assert en_page["Content-Language"] == "en"
    html = en_page.content.decode()
    assert "Dr Li Ming" in html and "Demonstration People&#x27;s Hospital" in html and "李明" not in html
    assert english.as_document().doctor_name == "Dr Li Ming" and article.as_document().doctor_name == "李明"


@pytest.mark.django_db
def test_demo_has_a_distributor_and_working_channels(client, settings, encyclopedia):
    import json
    import time

    from django.contrib.auth.models import Group
    from django.urls import reverse

    from distribution.campaigns.channel_settings import configured_channel_kinds
    from distribution.campaigns.models import ChannelSettings
    from distribution.channels import sign_webhook

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=io.StringIO())
    assert "distributor" in out.getvalue()
    user = authenticate(RequestFactory().post("/admin/login/"), username="distributor", password="kepu-demo-2026")
    assert user is not None and user.groups.filter(name=DISTRIBUTORS).exists()
    assert Group.objects.get(name=DISTRIBUTORS).user_set.count() == 1
    assert configured_channel_kinds() == ["email", "webhook"]
    channels = ChannelSettings.objects.get()
    assert channels.email_transport == "console" and channels.webhook_endpoint.endswith("/messages/webhook-inbox/")
    assert channels.webhook_secret not in out.getvalue()

    # The inbox the demo's webhooks go to checks signatures like a hospital receiver must.
    settings.KEPU_WEBHOOK_INBOX = True
    body = json.dumps({"title": "测试"}).encode()
    stamp = str(int(time.time()))
    headers = {
        "HTTP_X_KEPU_TIMESTAMP": stamp,
        "HTTP_X_KEPU_IDEMPOTENCY_KEY": "k1",
        "HTTP_X_KEPU_SIGNATURE": sign_webhook(channels.webhook_secret, stamp, body),
    }
    url = reverse("campaigns:webhook_inbox")
    assert client.post(url, body, content_type="application/json", **headers).status_code == 200
    headers["HTTP_X_KEPU_SIGNATURE"] = sign_webhook("some-other-secret-0123456789", stamp, body)
    assert client.post(url, body, content_type="application/json", **headers).status_code == 401
    settings.KEPU_WEBHOOK_INBOX = False
    assert client.post(url, body, content_type="application/json", **headers).status_code == 404
