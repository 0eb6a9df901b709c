"""Kafka transport for callqa: consume events, score them through service.interactions, dead-letter bad records.

service/ never imports kafka; everything that speaks to a broker lives here.
"""
