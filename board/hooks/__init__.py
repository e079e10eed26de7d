"""Webhooks: each recorded event a hook asked for becomes a signed JSON POST, sent by the task worker.

outbox (connected to board.events.recorded) stores a delivery per hook inside the write's
transaction and enqueues it on commit; tasks sends it (send: signing, the address check),
retrying with backoff for about a day; manage holds the owner's writes (add, delete, resend).
"""
