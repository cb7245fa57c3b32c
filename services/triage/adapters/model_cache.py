"""The reading model, trained once per corpus and kept in the service's state folder.

Why: training takes about 7 s of CPU (30-45 s of wall time on a loaded two-core machine), and each of
triage's three processes (HTTP app, relay, worker) trained it again at every start — the one start-up
of the system far above its 5 s target (docs/performance.md, "Start-up and memory at size"). The model
is a deterministic function of the corpus (`domain/reading_model.py`), so a model trained earlier
from the same examples by the same code — named by the examples' identity, a digest of the code that
builds and reads it, and the library's version — is the same model.
The file is written by this service alone, into its own state folder (a pickle: never read one from
elsewhere); a missing, partial or unreadable file is trained again and replaced atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from ..domain import reading_model, script
from ..domain.reading_model import ReadingModel, corpus_identity
from ..score import corpus_model, training_examples


def cached_reading_model(folder: Path) -> ReadingModel:
    """The corpus's reading model: this process's if it trained one, else the state folder's copy, else
    trained now (and kept there for the next start)."""
    if corpus_model.cache_info().currsize:  # trained in this process already (tests build many apps)
        return corpus_model()
    identity = corpus_identity(training_examples())
    path = model_file(folder, identity)
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        model = pickle.loads(path.read_bytes())
        if isinstance(model, ReadingModel) and model.identity == identity:
            return model
    model = corpus_model()
    with contextlib.suppress(OSError):
        _write(model, path)
    return model


def keep(model: ReadingModel, folder: Path) -> Path:
    """Keep `model` where `cached_reading_model` looks for it in the state folder `folder`; return the file."""
    path = model_file(folder, model.identity)
    _write(model, path)
    return path


def _write(model: ReadingModel, path: Path) -> None:
    """Atomically: a process starting meanwhile reads no partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_bytes(pickle.dumps(model))
    os.replace(partial, path)


def model_file(folder: Path, identity: str) -> Path:
    """The file in the state folder `folder` that keeps the model of the examples named `identity`."""
    import sklearn  # here, not above: a process that only names the model never imports it (reading_model.py)

    name = f"triage-reading-model-{identity}-code-{code_digest()}-sklearn-{sklearn.__version__}.pickle"
    return folder / "cache" / name


def code_digest() -> str:
    """The model's code (its features, classifiers and the text folding they read): a change to it is
    a new file, so a model pickled by older code is never taken for today's."""
    sources = (Path(module.__file__ or "").read_bytes() for module in (reading_model, script))
    return hashlib.sha256(b"".join(sources)).hexdigest()[:12]
