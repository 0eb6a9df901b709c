"""The real-broker fixtures of tests/kafka, for the source-topic tests kept beside them."""

from tests.kafka.conftest import consumer_settings, kafka_admin, kafka_bootstrap, make_topics, topics  # noqa: F401
