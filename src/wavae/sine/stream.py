"""Streaming sine waves through the ring buffer (seed 001, "Q's synthetic data factory").

A producer thread draws latent vectors from the prior N(0, I) and writes them into a
:class:`wavae.stream.RingBuffer`; the consumer reads them in blocks, decodes them and writes
the waves to a ``.npy`` file as they come. Memory stays bounded: the buffer holds ``capacity``
latents, one block of waves is in flight, and the output is written through a memory map.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from wavae.io.atomic import atomic_path, write_json
from wavae.nn.vae import VAE
from wavae.sine.spec import SineSpec
from wavae.sine.model import sidecar, sidecar_path
from wavae.stream import StreamStats, run_stream


def waves_for_seconds(seconds: float, spec: SineSpec) -> int:
    """How many consecutive waves make ``seconds`` of signal (rounded up, at least 1)."""
    if not seconds > 0:
        raise ValueError(f"seconds: must be > 0, got {seconds}")
    return max(1, math.ceil(seconds * spec.sample_rate / spec.length - 1e-9))


def prior_producer(latent_dim: int, seed: int = 0) -> Callable[[int], np.ndarray]:
    """``produce(k)``: ``k`` latents from N(0, I), float32 ``(k, latent_dim)``."""
    rng = np.random.default_rng(seed)
    return lambda k: rng.standard_normal((k, latent_dim), dtype=np.float32)


def decoder_consumer(model: VAE) -> Callable[[np.ndarray], np.ndarray]:
    """``decode(z)``: waves float32 ``(k, length)`` for latents ``(k, latent_dim)``."""
    device = model.log_sigma.device

    @torch.no_grad()
    def decode(z: np.ndarray) -> np.ndarray:
        return model.decode(torch.from_numpy(np.ascontiguousarray(z)).to(device)).cpu().numpy()

    return decode


def stream_waves(
    model: VAE,
    spec: SineSpec,
    out: str | os.PathLike[str],
    *,
    n_waves: int,
    capacity: int = 256,
    chunk: int = 32,
    seed: int = 0,
) -> tuple[StreamStats, dict[str, Any]]:
    """Stream ``n_waves`` prior samples through the ring buffer into ``out`` (.npy, (n, length)).

    Writes ``out`` atomically plus a sidecar JSON (time axis, frequency, throughput). Returns
    the stream statistics and a summary with waves/s, samples/s and the real-time factor
    (seconds of signal generated per second of wall time).
    """
    if n_waves < 1:
        raise ValueError(f"n_waves: must be >= 1, got {n_waves}")
    model.eval()
    decode = decoder_consumer(model)
    out = Path(out)
    with atomic_path(out, ".npy") as tmp:
        sink = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n_waves, spec.length))
        pos = 0

        def consume(z: np.ndarray) -> None:
            nonlocal pos
            waves = decode(z)
            sink[pos : pos + len(waves)] = waves
            pos += len(waves)

        stats = run_stream(
            prior_producer(model.config.latent_dim, seed),
            consume,
            item_shape=(model.config.latent_dim,),
            dtype=np.float32,
            capacity=capacity,
            chunk=chunk,
            total=n_waves,
        )
        sink.flush()
        del sink
        if pos != n_waves:
            raise RuntimeError(f"stream delivered {pos} of {n_waves} waves")
    summary = {
        "waves": stats.items,
        "seconds_of_signal": stats.items * spec.duration,
        "wall_seconds": stats.seconds,
        "waves_per_second": stats.items_per_second,
        "samples_per_second": stats.items_per_second * spec.length,
        "realtime_factor": stats.items_per_second * spec.duration,
        "buffer": {
            "capacity": stats.capacity,
            "chunk": chunk,
            "bytes": stats.buffer_bytes,
            "peak_occupancy": stats.peak_occupancy,
            "producer_wait_s": stats.producer_wait_s,
            "consumer_wait_s": stats.consumer_wait_s,
        },
        "device": str(model.log_sigma.device),
        "torch_threads": torch.get_num_threads(),
    }
    write_json(sidecar_path(out), {**sidecar(spec, n_waves), "seed": seed, "stream": summary})
    return stats, summary
