"""The HTTP ingest edge: POST /v1/events, and the one `ingest` that it and POST /v1/sources/{name} call.

It sits above interactions/ (the pipeline it feeds) and below sources/ (whose endpoint maps a source's payload
and then ingests like /v1/events). In Kafka mode the events go to a sink (service/ingest/sink.py) instead.
"""
