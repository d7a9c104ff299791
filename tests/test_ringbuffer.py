"""The ring buffer: nothing lost, nothing duplicated, bounded memory, clean shutdown."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from wavae.stream import BufferClosed, EndOfStream, RingBuffer, Stream, run_stream


def _counter_producer(item_len: int, delay: float = 0.0):
    state = {"next": 0}

    def produce(k: int) -> np.ndarray:
        if delay:
            time.sleep(delay)
        start = state["next"]
        state["next"] += k
        ids = np.arange(start, start + k, dtype=np.float64)
        return np.repeat(ids[:, None], item_len, axis=1)

    return produce


@pytest.mark.parametrize(
    "producer_delay, consumer_delay",
    [(0.0, 0.002), (0.002, 0.0)],
    ids=["fast-producer-slow-consumer", "slow-producer-fast-consumer"],
)
def test_every_item_arrives_once_in_order_within_capacity(producer_delay: float, consumer_delay: float) -> None:
    total, capacity, chunk, item_len = 600, 16, 5, 3
    seen: list[np.ndarray] = []
    occupancy: list[int] = []
    stream = Stream(
        _counter_producer(item_len, producer_delay),
        item_shape=(item_len,),
        dtype=np.float64,
        capacity=capacity,
        chunk=chunk,
        total=total,
    )
    with stream:
        for block in stream:
            occupancy.append(len(stream.buffer))
            if consumer_delay:
                time.sleep(consumer_delay)
            seen.append(block)
    got = np.concatenate(seen)
    assert got.shape == (total, item_len)
    np.testing.assert_array_equal(got[:, 0], np.arange(total))  # exactly once, in order
    np.testing.assert_array_equal(got, np.repeat(got[:, :1], item_len, axis=1))  # no torn items
    stats = stream.stats()
    assert stats.items == total
    assert stats.peak_occupancy <= capacity and max(occupancy) <= capacity
    assert stats.buffer_bytes == capacity * item_len * 8
    assert stats.items_per_second > 0
    if consumer_delay:  # the producer was held back, not allowed to overwrite
        assert stats.peak_occupancy == capacity
        assert stats.producer_wait_s > 0
    else:  # the consumer waited for data
        assert stats.consumer_wait_s > 0


def test_blocks_larger_than_capacity_wrap_around() -> None:
    buf = RingBuffer(capacity=4, item_shape=(), dtype=np.int64)
    out: list[int] = []

    def reader() -> None:
        for item in buf:
            out.append(int(item))

    t = threading.Thread(target=reader)
    t.start()
    for start in range(0, 50, 7):  # blocks of 7 through 4 slots: written in pieces
        buf.put_many(np.arange(start, min(start + 7, 50)))
    buf.close()
    t.join(5)
    assert not t.is_alive()
    assert out == list(range(50))
    assert buf.peak_occupancy <= 4
    assert buf.items_written == buf.items_read == 50


def test_close_unblocks_a_waiting_writer_and_reader() -> None:
    full = RingBuffer(2, (1,))
    full.put_many(np.zeros((2, 1)))
    errors: list[BaseException] = []

    def write() -> None:
        try:
            full.put(np.ones(1))
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.05)
    assert writer.is_alive()  # back-pressure: waiting, not overwriting
    full.close()
    writer.join(2)
    assert not writer.is_alive() and isinstance(errors[0], BufferClosed)
    # the reader drains what was written before the close, then sees the end
    assert full.get_many(10).shape == (2, 1)
    with pytest.raises(EndOfStream):
        full.get()

    empty = RingBuffer(2, (1,))
    results: list[str] = []

    def read() -> None:
        try:
            empty.get()
        except EndOfStream:
            results.append("end")

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.05)
    assert reader.is_alive()
    empty.close()
    reader.join(2)
    assert results == ["end"]


def test_timeouts_and_shape_checks() -> None:
    buf = RingBuffer(1, (2,))
    with pytest.raises(TimeoutError):
        buf.get(timeout=0.01)
    buf.put(np.zeros(2))
    with pytest.raises(TimeoutError):
        buf.put(np.zeros(2), timeout=0.01)
    with pytest.raises(ValueError, match="items: expected shape"):
        buf.put_many(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="capacity"):
        RingBuffer(0, (1,))


def test_producer_error_reaches_the_consumer_and_consumer_error_stops_the_producer() -> None:
    calls = {"n": 0}

    def failing(k: int) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("sampler broke")
        return np.zeros((k, 2))

    with pytest.raises(RuntimeError, match="sampler broke"):
        run_stream(failing, lambda block: None, item_shape=(2,), capacity=4, chunk=2)

    stream = Stream(lambda k: np.zeros((k, 2)), item_shape=(2,), capacity=4, chunk=2)
    with pytest.raises(KeyError):
        with stream:
            for _ in stream:
                raise KeyError("consumer broke")
    assert not stream._thread.is_alive()  # the blocked producer was released and finished


def test_run_stream_with_a_generator_pipeline_and_time_limit() -> None:
    """Any generator: latents from a prior in, decoded signals out; stops on ``seconds``."""
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(3, 8))
    decoded: list[np.ndarray] = []
    stats = run_stream(
        lambda k: rng.normal(size=(k, 3)),
        lambda z: decoded.append(np.tanh(z @ weights)),
        item_shape=(3,),
        capacity=32,
        chunk=8,
        seconds=0.2,
    )
    assert stats.items == sum(len(d) for d in decoded) > 0
    assert stats.peak_occupancy <= 32  # the unbounded producer was stopped by the time limit
