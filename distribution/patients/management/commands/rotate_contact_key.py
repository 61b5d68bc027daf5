"""``manage.py rotate_contact_key [--batch-size N]``: re-encrypt every contact address under the newest key.

Run after putting a new key first in ``KEPU_FIELD_ENCRYPTION_KEY`` (the old key kept after it). Every
address is encrypted again and re-indexed under the new key, batch by batch, each batch in its own
transaction: an interrupted run loses nothing and a second run finishes the job. Once it reports no
address left under an older key, the older keys can be removed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from distribution.patients.encryption import blind_index
from distribution.patients.models import ContactPoint


class Command(BaseCommand):
    help = _(
        "Re-encrypt and re-index every patient contact address under the first key of "
        "KEPU_FIELD_ENCRYPTION_KEY, so the older keys can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        rotated = reindexed = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    ContactPoint.objects.filter(pk__gt=last_pk)
                    .exclude(address_index="")
                    .order_by("pk")
                    .select_for_update()
                    .values_list("pk", "channel", "address", "address_index")[:batch_size]
                )
                if not batch:
                    break
                last_pk = batch[-1][0]
                updates = []
                for pk, channel, address, index in batch:
                    current = blind_index(channel, address)
                    updates.append(ContactPoint(pk=pk, channel=channel, address=address, address_index=current))
                    reindexed += current != index
                # The field decrypted each address with whichever key wrote it; saving encrypts it anew under
                # the newest key.
                ContactPoint.objects.bulk_update(updates, ["address", "address_index"])
                rotated += len(updates)
        self.stdout.write(
            _(
                "%(rotated)d contact address(es) encrypted under the first key, %(reindexed)d "
                "re-indexed. The older keys can now be removed from KEPU_FIELD_ENCRYPTION_KEY."
            )
            % {"rotated": rotated, "reindexed": reindexed}
        )
