"""A worker's broker connection closed after its transport was released raises a connection
error, which Celery's reconnect ignores, instead of the ``AttributeError`` that stopped the
worker (workers.redis_broker; the whole fault: tests/faults, Redis killed and restarted)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from kombu import Connection, Exchange, Queue
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.conftest import REDIS_URL, need_redis
from workers.redis_broker import closed_transport_is_a_connection_error

pytestmark = pytest.mark.services
QUEUE = "sinergi-test-redis-broker"


@pytest.fixture
def connection() -> Iterator[Connection]:
    """A connection holding one message taken and not acknowledged; afterwards the message,
    its queue and its entry in kombu's unacknowledged set are removed."""
    need_redis()
    connection = _connection_holding_an_unacknowledged_message()
    tags = list(connection.default_channel.qos._delivered)
    yield connection
    client = redis.Redis.from_url(REDIS_URL)
    client.hdel("unacked", *tags)
    client.zrem("unacked_index", *tags)
    client.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
    client.close()


def _connection_holding_an_unacknowledged_message() -> Connection:
    connection = Connection(REDIS_URL)
    queue = Queue(QUEUE, Exchange(QUEUE), QUEUE)
    with connection.Producer() as producer:
        producer.publish({"n": 1}, exchange=queue.exchange, routing_key=queue.routing_key,
                         declare=[queue])
    message = queue(connection.default_channel).get(no_ack=False)
    assert message is not None  # taken, not acknowledged: the channel gives it back on close
    return connection


def test_closing_a_channel_whose_transport_was_released_is_a_connection_error(
    connection: Connection,
) -> None:
    closed_transport_is_a_connection_error()
    channel = connection.default_channel
    # The state a close cut short by Redis's absence leaves: the transport released, the
    # channel still open with its unacknowledged message.
    connection._do_close_transport()
    with pytest.raises(RedisConnectionError):
        channel.close()
    connection.close()  # what Celery's consumer does next: no error escapes


def test_installing_twice_wraps_once() -> None:
    from kombu.transport import redis as kombu_redis

    closed_transport_is_a_connection_error()
    once = kombu_redis.Channel._connparams
    closed_transport_is_a_connection_error()
    assert kombu_redis.Channel._connparams is once
