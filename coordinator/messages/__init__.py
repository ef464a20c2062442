"""Messages: what Sinergi writes to people (email subject, text and HTML; SMS; SMS replies).

Every text lives in one template per kind and language (``templates/<language>/<kind>.txt``);
:func:`compose` renders one kind for one person. Sending and transports live elsewhere
(:mod:`coordinator.notifications`, :mod:`coordinator.channels`).
"""
from coordinator.messages.composing import KINDS, Message, compose

__all__ = ["KINDS", "Message", "compose"]
