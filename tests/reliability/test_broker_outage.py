"""With the broker down, every path that queues work answers normally, keeps the work, and the sweep sends it.

The broker is a real Redis URL on a port that refuses connections; nothing is mocked.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from cms.articles.models import Article
from cms.core.models import PendingTask
from cms.core.outbox import BROKER_DOWN_MESSAGE, flush_outbox
from cms.moderation.models import RevisionCheckReport
from tests.admin_forms import article_form
from tests.admin_language import ADMIN_LANGUAGE, admin_text

pytestmark = pytest.mark.django_db


def _in_admin_language(lazy_text) -> str:
    from django.utils import translation

    with translation.override(ADMIN_LANGUAGE):
        return str(lazy_text)


def _messages(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


@pytest.fixture
def admin_post(client, django_capture_on_commit_callbacks):
    def post(url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **extra)

    return post


def test_saving_a_draft_with_the_broker_down_saves_it_tells_the_doctor_and_checks_later(
    client, admin_post, studio, people, broker_down, broker_back
):
    index = studio["zh-hans"]["articles"]
    client.force_login(people["doctor_a"])
    response = admin_post(
        reverse("wagtailadmin_pages:add", args=["articles", "article", index.pk]),
        article_form("高血压饮食", "少吃盐，多吃蔬菜。"),
    )
    assert response.status_code == 302
    article = Article.objects.get(title="高血压饮食")
    assert str(_in_admin_language(BROKER_DOWN_MESSAGE)) in _messages(response)
    waiting = PendingTask.objects.get()
    assert waiting.task_name == "cms.moderation.tasks.check_revision"
    assert waiting.args == [article.latest_revision_id]
    assert "OperationalError" in waiting.last_error
    assert not RevisionCheckReport.objects.exists()

    # Still down: the sweep keeps the task and says so.
    assert flush_outbox() == (0, 1)
    assert PendingTask.objects.get().attempts == 2

    broker_back()
    PendingTask.objects.update(next_attempt_at=waiting.created_at)  # its backoff has passed
    call_command("flush_outbox", stdout=StringIO())
    assert not PendingTask.objects.exists()
    assert RevisionCheckReport.objects.filter(revision_id=article.latest_revision_id).exists()


def test_submitting_for_review_with_the_broker_down_submits(client, admin_post, studio, people, broker_down):
    index = studio["zh-hans"]["articles"]
    client.force_login(people["doctor_a"])
    admin_post(
        reverse("wagtailadmin_pages:add", args=["articles", "article", index.pk]), article_form("痛风", "多喝水。")
    )
    article = Article.objects.get(title="痛风")
    data = article_form("痛风", "多喝水，少吃海鲜。", slug=article.slug)
    data["action-submit"] = "action-submit"
    response = admin_post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.current_workflow_state is not None  # in review
    assert PendingTask.objects.filter(task_name="cms.moderation.tasks.check_revision").count() >= 2


def test_publishing_with_the_broker_down_publishes_and_keeps_the_renders_queued(
    settings, studio, people, broker_down, broker_back, django_capture_on_commit_callbacks
):
    from media_pipeline.models import MediaRender, RenderStatus

    settings.KEPU_MEDIA_RENDER_ON_PUBLISH = True
    index = studio["zh-hans"]["articles"]
    from wagtail.rich_text import RichText

    article = Article(
        title="洗手",
        slug="wash-hands",
        owner=people["doctor_a"],
        live=False,
        summary="s",
        body=[("paragraph", RichText("<p>饭前便后洗手。</p>"))],
    )
    index.add_child(instance=article)
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision(user=people["editor"]).publish()
    article.refresh_from_db()
    assert article.live
    renders = list(MediaRender.objects.filter(article=article))
    assert renders and all(render.status == RenderStatus.QUEUED for render in renders)
    sent_ids = {render.celery_task_id for render in renders if render.celery_task_id}
    waiting = PendingTask.objects.filter(task_name="media_pipeline.render_media")
    # each render handed to a worker waits in the outbox under the task id its row knows it by
    assert sent_ids and {task.task_id for task in waiting} == sent_ids


def test_starting_a_campaign_with_the_broker_down_tells_the_doctor_and_sends_once_it_is_back(
    client, settings, studio, people, broker_down, broker_back, webhook_sink
):
    from cms.doctors.models import DoctorProfile
    from distribution.campaigns.models import Campaign, Delivery
    from distribution.delivery.states import DeliveryState
    from tests.builders import add_patient, distribution_config, publish_article, static_group

    settings.KEPU_DISTRIBUTION = distribution_config(webhook=webhook_sink)
    settings.KEPU_PUBLIC_BASE_URL = "https://kp.example.cn"
    doctor = DoctorProfile.objects.get(user=people["doctor_a"])
    broker_back()  # publishing the article itself is not what is tested here
    article = publish_article(studio, people["doctor_a"], "术后护理")
    from kepu.celery import app

    app.conf.task_always_eager = False
    patients = [add_patient(doctor, f"患者{i}", channels={"webhook": f"HIS-{i:03d}"}) for i in range(5)]
    campaign = Campaign.objects.create(
        name="术后", doctor=doctor, article=article, channels=["webhook"], quiet_start=None, quiet_end=None
    )
    campaign.groups.add(static_group(doctor, "术后", patients))
    client.force_login(people["doctor_a"])

    response = client.post(reverse("campaign_start", args=[campaign.pk]))
    assert response.status_code == 302
    assert admin_text(
        "The background service is not reachable right now. The campaign will start by itself as "
        "soon as it is back; nothing needs to be done again."
    ) in _messages(response)
    assert PendingTask.objects.get().task_name == "distribution.campaigns.tasks.send_campaign"
    assert not Delivery.objects.exists()

    broker_back()
    assert flush_outbox() == (1, 0)
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 5
    assert len(webhook_sink.accepted_keys) == 5
