"""The outbound delivery engine: every message that leaves the studio is a ledger row sent exactly once.

Campaign and follow-up messages (``campaigns.Delivery``) and partner pushes
(``feeds.PartnerDelivery``) are ledger rows claimed, leased, retried and
recorded by the same protocol (``ledger``), under one retry policy
(``policy``) and with one set of states (``states``); WebSub pings, which carry
no per-recipient row, are retried by the same policy.

The protocol, which holds for any number of workers on SQLite or PostgreSQL:

1. A row exists before anything is sent (``pending``), with its idempotency
   key; the ledger's unique constraint, not the worker, prevents a second
   message for the same recipient and event.
2. A worker claims rows with one conditional ``UPDATE … WHERE state IN
   ('pending', 'retrying')`` that stamps its own ``claim_token`` (PostgreSQL
   first picks the ids with ``SELECT … FOR UPDATE SKIP LOCKED`` so concurrent
   workers do not queue behind each other) and counts the attempt. Only rows it
   stamped are its own; a row is never claimed twice while it is fresh.
3. Each outcome is written with ``WHERE claim_token = <mine> AND state =
   'sending'``: a worker that lost its claim cannot overwrite the row.
4. A worker killed between the receiver's answer and step 3 leaves the row in
   ``sending``. After the policy's lease any worker re-claims it and sends it
   again *with the same idempotency key*, which receivers that honour it drop.
"""
