# The delivery engine's one DeliveryState (distribution.delivery.states) adds 'superseded' to the choices.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0008_channel_settings_sms_verification_templates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
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
            ),
        ),
    ]
