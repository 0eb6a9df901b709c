"""Source adapters: each telephony or ticketing system's own payload mapped to canonical events.

The mapping modules are pure (record and receive time in, canonical event dicts out); `service` and `endpoints`
put them in front of the same pipeline as POST /v1/events, and `replay` feeds history files through it.
"""
