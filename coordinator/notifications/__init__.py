"""Notification rules: the reminder policy, who gets what over which channel, and when.

Workers (handlers, sweeps, sending) and web pages call these functions; the dedupe key on
``Notification`` makes every message exactly-once from Sinergi's side.
"""
