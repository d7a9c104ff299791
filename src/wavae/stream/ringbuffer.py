"""A bounded, thread-safe ring buffer and a producer/consumer stream built on it.

The buffer is one preallocated array of ``capacity`` slots of fixed shape and dtype. A write
index (the producer's half) and a read index (the consumer's half) run around it and wrap at
the end. A slot is overwritten only after it has been consumed: a writer facing a full buffer
waits (back-pressure), it never drops or overwrites data. ``close()`` ends the stream: readers
drain what is left and then get :class:`EndOfStream`; writers get :class:`BufferClosed`.

Memory is bounded by ``capacity * item_nbytes`` plus one block in flight on each side.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

Producer = Callable[[int], Any]
Consumer = Callable[[np.ndarray], Any]


class EndOfStream(Exception):
    """The buffer is closed and empty: nothing more will arrive."""


class BufferClosed(Exception):
    """A write to a closed buffer (the consumer stopped)."""


class RingBuffer:
    """Fixed-capacity FIFO of items of shape ``item_shape`` and ``dtype``.

    Thread-safe for any number of producers and consumers (typically one of each). Indices
    are monotonic counters; the slot of item ``k`` is ``k % capacity``.
    """

    def __init__(self, capacity: int, item_shape: tuple[int, ...] | int = (), dtype: Any = np.float32) -> None:
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity: must be an integer >= 1, got {capacity!r}")
        self.item_shape = (item_shape,) if isinstance(item_shape, int) else tuple(int(s) for s in item_shape)
        if any(s < 0 for s in self.item_shape):
            raise ValueError(f"item_shape: sizes must be >= 0, got {self.item_shape}")
        self.dtype = np.dtype(dtype)
        self.capacity = capacity
        self._data = np.empty((capacity, *self.item_shape), dtype=self.dtype)
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)
        self._not_empty = threading.Condition(self._lock)
        self._written = 0  # items ever written (write index = _written % capacity)
        self._read = 0  # items ever read
        self._closed = False
        self.peak_occupancy = 0
        self.writer_wait_s = 0.0
        self.reader_wait_s = 0.0

    # ---------------------------------------------------------------- state

    @property
    def nbytes(self) -> int:
        """Bytes held by the buffer's storage: ``capacity * item_nbytes``."""
        return int(self._data.nbytes)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def items_written(self) -> int:
        return self._written

    @property
    def items_read(self) -> int:
        return self._read

    def __len__(self) -> int:
        with self._lock:
            return self._written - self._read

    def indices(self) -> tuple[int, int, int]:
        """``(read slot, write slot, occupancy)`` at this instant."""
        with self._lock:
            return self._read % self.capacity, self._written % self.capacity, self._written - self._read

    # ---------------------------------------------------------------- writing

    def _wait(self, cond: threading.Condition, ready: Callable[[], bool], deadline: float | None) -> bool:
        """Wait on ``cond`` until ``ready()``; False on timeout. Called with the lock held."""
        while not ready():
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            # Short slices keep the wait interruptible (Ctrl-C) on every platform.
            cond.wait(0.1 if remaining is None else min(remaining, 0.1))
        return True

    def put(self, item: Any, timeout: float | None = None) -> None:
        """Write one item of shape ``item_shape``, waiting while the buffer is full."""
        self.put_many(np.asarray(item, dtype=self.dtype)[None], timeout=timeout)

    def put_many(self, items: Any, timeout: float | None = None) -> None:
        """Write ``items`` of shape ``(k, *item_shape)`` in order, waiting for space as needed.

        Blocks larger than the capacity are written in pieces as the reader frees slots.
        Raises ``BufferClosed`` if the buffer is (or becomes) closed, ``TimeoutError`` when no
        slot frees up within ``timeout`` seconds (items written before that stay written).
        """
        block = np.asarray(items, dtype=self.dtype)
        if block.shape[1:] != self.item_shape:
            raise ValueError(f"items: expected shape (k, {', '.join(map(str, self.item_shape))}), got {block.shape}")
        deadline = None if timeout is None else time.monotonic() + timeout
        done, k = 0, block.shape[0]
        while done < k:
            with self._not_full:
                t0 = time.perf_counter()
                ok = self._wait(
                    self._not_full, lambda: self._closed or self._written - self._read < self.capacity, deadline
                )
                self.writer_wait_s += time.perf_counter() - t0
                if self._closed:
                    raise BufferClosed("ring buffer is closed")
                if not ok:
                    raise TimeoutError(f"ring buffer full for {timeout} s")
                free = self.capacity - (self._written - self._read)
                n = min(free, k - done)
                start = self._written % self.capacity
                first = min(n, self.capacity - start)  # up to the end, then wrap around
                self._data[start : start + first] = block[done : done + first]
                if n > first:
                    self._data[: n - first] = block[done + first : done + n]
                self._written += n
                done += n
                self.peak_occupancy = max(self.peak_occupancy, self._written - self._read)
                self._not_empty.notify_all()

    # ---------------------------------------------------------------- reading

    def get(self, timeout: float | None = None) -> np.ndarray:
        """Read one item (a copy), waiting while the buffer is empty.

        Raises ``EndOfStream`` once the buffer is closed and drained, ``TimeoutError`` on timeout.
        """
        return self.get_many(1, timeout=timeout)[0]

    def get_many(self, max_items: int, timeout: float | None = None) -> np.ndarray:
        """Read between 1 and ``max_items`` items in order (a copy, shape ``(k, *item_shape)``).

        Waits until at least one item is available. Raises ``EndOfStream`` once the buffer is
        closed and drained, ``TimeoutError`` when nothing arrives within ``timeout`` seconds.
        """
        if max_items < 1:
            raise ValueError(f"max_items: must be >= 1, got {max_items}")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._not_empty:
            t0 = time.perf_counter()
            self._wait(self._not_empty, lambda: self._closed or self._written > self._read, deadline)
            self.reader_wait_s += time.perf_counter() - t0
            available = self._written - self._read
            if available == 0:
                if self._closed:
                    raise EndOfStream
                raise TimeoutError(f"ring buffer empty for {timeout} s")
            n = min(available, max_items)
            start = self._read % self.capacity
            first = min(n, self.capacity - start)
            out = np.empty((n, *self.item_shape), dtype=self.dtype)
            out[:first] = self._data[start : start + first]
            if n > first:
                out[first:] = self._data[: n - first]
            self._read += n
            self._not_full.notify_all()
            return out

    def __iter__(self) -> Iterator[np.ndarray]:
        """Items one by one until the end of the stream."""
        while True:
            try:
                yield self.get()
            except EndOfStream:
                return

    # ---------------------------------------------------------------- shutdown

    def close(self) -> None:
        """End the stream: wake every waiter; later writes fail, reads drain then end."""
        with self._lock:
            self._closed = True
            self._not_full.notify_all()
            self._not_empty.notify_all()


@dataclass
class StreamStats:
    """What a finished stream did.

    items: items delivered to the consumer; seconds: wall time from start to the last item;
    items_per_second: throughput; peak_occupancy / capacity: the buffer's high-water mark;
    buffer_bytes: the buffer's storage (the memory bound); producer_wait_s / consumer_wait_s:
    time each side spent blocked (back-pressure on the producer, starvation of the consumer).
    """

    items: int
    seconds: float
    items_per_second: float
    peak_occupancy: int
    capacity: int
    buffer_bytes: int
    producer_wait_s: float
    consumer_wait_s: float

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


class Stream:
    """A producer thread filling a :class:`RingBuffer`; the caller consumes by iterating.

    produce: ``produce(k) -> array (m, *item_shape)`` with ``1 <= m <= k`` items (e.g. latent
        samples from a prior), or ``None`` to end the stream early.
    total: items to produce in all (None: until :meth:`stop`).
    chunk: the largest block asked of ``produce`` and handed to the consumer.

    Use as a context manager; iterating yields blocks of up to ``chunk`` items. An exception in
    the producer is re-raised in the consumer; leaving the ``with`` block stops the producer.
    """

    def __init__(
        self,
        produce: Producer,
        *,
        item_shape: tuple[int, ...] | int,
        dtype: Any = np.float32,
        capacity: int = 1024,
        chunk: int = 64,
        total: int | None = None,
    ) -> None:
        if not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk: must be an integer >= 1, got {chunk!r}")
        if total is not None and (not isinstance(total, int) or total < 0):
            raise ValueError(f"total: must be None or an integer >= 0, got {total!r}")
        self.buffer = RingBuffer(capacity, item_shape, dtype)
        self.produce = produce
        self.chunk = chunk
        self.total = total
        self.consumed = 0
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ringbuffer-producer", daemon=True)
        self._t0 = 0.0
        self._t1 = 0.0

    def _run(self) -> None:
        produced = 0
        try:
            while not self._stop.is_set() and (self.total is None or produced < self.total):
                k = self.chunk if self.total is None else min(self.chunk, self.total - produced)
                block = self.produce(k)
                if block is None:
                    break
                block = np.asarray(block, dtype=self.buffer.dtype)
                if block.ndim == len(self.buffer.item_shape):
                    block = block[None]
                if not 1 <= block.shape[0] <= k:
                    raise ValueError(f"produce({k}) returned {block.shape[0]} items; expected 1..{k}")
                self.buffer.put_many(block)
                produced += block.shape[0]
        except BufferClosed:
            pass
        except BaseException as err:  # handed to the consumer
            self._error = err
        finally:
            self.buffer.close()

    @property
    def started_at(self) -> float:
        """``time.perf_counter()`` when the producer started."""
        return self._t0

    def start(self) -> "Stream":
        self._t0 = time.perf_counter()
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the producer to finish, unblock it and wait for its thread."""
        self._stop.set()
        self.buffer.close()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> "Stream":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            try:
                block = self.buffer.get_many(self.chunk)
            except EndOfStream:
                if self._error is not None:
                    raise self._error
                return
            self.consumed += block.shape[0]
            self._t1 = time.perf_counter()
            yield block

    def stats(self) -> StreamStats:
        seconds = max((self._t1 or time.perf_counter()) - self._t0, 1e-12)
        return StreamStats(
            items=self.consumed,
            seconds=seconds,
            items_per_second=self.consumed / seconds,
            peak_occupancy=self.buffer.peak_occupancy,
            capacity=self.buffer.capacity,
            buffer_bytes=self.buffer.nbytes,
            producer_wait_s=self.buffer.writer_wait_s,
            consumer_wait_s=self.buffer.reader_wait_s,
        )


def run_stream(
    produce: Producer,
    consume: Consumer,
    *,
    item_shape: tuple[int, ...] | int,
    dtype: Any = np.float32,
    capacity: int = 1024,
    chunk: int = 64,
    total: int | None = None,
    seconds: float | None = None,
) -> StreamStats:
    """Run ``produce`` in a thread and ``consume(block)`` in the caller until done.

    Stops after ``total`` items, after ``seconds`` of wall time, or when ``produce`` returns
    None, whichever comes first (at least one must be given unless ``produce`` ends itself).
    Works with any generator: e.g. ``produce`` draws latents from a prior and ``consume``
    decodes them and writes the signals. Returns the throughput and buffer statistics.
    """
    if seconds is not None and not seconds > 0:
        raise ValueError(f"seconds: must be > 0, got {seconds}")
    stream = Stream(produce, item_shape=item_shape, dtype=dtype, capacity=capacity, chunk=chunk, total=total)
    with stream:
        deadline = None if seconds is None else stream.started_at + seconds
        for block in stream:
            consume(block)
            if deadline is not None and time.perf_counter() >= deadline:
                break
    return stream.stats()


__all__ = ["BufferClosed", "EndOfStream", "RingBuffer", "Stream", "StreamStats", "run_stream"]
