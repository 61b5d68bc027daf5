"""Signals the encyclopedia sends; apps further down the line (feeds) listen, the encyclopedia imports none of them.

The bulk importer writes pages without Wagtail's ``page_published`` (one
signal per page would undo the point of writing in bulk), so it sends
:data:`entries_imported` once per run instead, with the ids of every entry it
created or changed on the live site.
"""

from django.dispatch import Signal

#: sent by ``import_encyclopedia`` after a run that published new or changed entries;
#: ``entry_ids``: the primary keys of those ``EncyclopediaEntry`` pages.
entries_imported = Signal()
