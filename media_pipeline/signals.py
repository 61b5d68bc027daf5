"""Signals media_pipeline sends; apps further down the line (distribution) listen, media_pipeline imports none of them.

A render's files become public the moment its job records success (see
:mod:`media_pipeline.outputs`); what shows them, the reading pages and the
feeds, learns of it here instead of watching the pipeline's models.
"""

from django.dispatch import Signal

#: sent once a render has succeeded and the transaction that stored its files has committed;
#: ``sender``: :class:`~media_pipeline.models.MediaRender`, ``render``: the render,
#: ``article``: the article page whose published media changed.
outputs_published = Signal()
