"""Streaming generation, domain-free: a bounded ring buffer between a producer (e.g. a prior
sampler) and a consumer (e.g. a decoder), with back-pressure, clean shutdown and throughput."""

from wavae.stream.ringbuffer import BufferClosed, EndOfStream, RingBuffer, Stream, StreamStats, run_stream

__all__ = ["BufferClosed", "EndOfStream", "RingBuffer", "Stream", "StreamStats", "run_stream"]
