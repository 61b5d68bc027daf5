# Partner deliveries run on the delivery engine: its claim columns, its one DeliveryState
# ('failed' is now 'dead', "failed permanently"), and the state column wide enough for every state.

from django.db import migrations, models


def to_engine_states(apps, schema_editor):
    PartnerDelivery = apps.get_model("feeds", "PartnerDelivery")
    PartnerDelivery.objects.filter(state="failed").update(state="dead")
    # A row being sent now was claimed at its last attempt: its lease runs from there.
    PartnerDelivery.objects.filter(state="sending").update(claimed_at=models.F("last_attempt_at"))


def to_partner_states(apps, schema_editor):
    PartnerDelivery = apps.get_model("feeds", "PartnerDelivery")
    PartnerDelivery.objects.filter(state="dead").update(state="failed")


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="partnerdelivery",
            name="claim_token",
            field=models.CharField(blank=True, editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="partnerdelivery",
            name="claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="partnerdelivery",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent (accepted by the provider)"),
                    ("delivered", "Delivered"),
                    ("undelivered", "Not delivered (reported by the provider)"),
                    ("retrying", "Failed, will retry"),
                    ("dead", "Failed permanently"),
                    ("skipped", "Skipped"),
                    ("superseded", "Superseded by a newer event"),
                ],
                default="pending",
                max_length=16,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(to_engine_states, to_partner_states),
    ]
