"""The model `contactpunt run` loads must be the one `make train` produced: a SHA-256 recorded at training, checked at start."""

import hashlib
from pathlib import Path


class ModelNotSealed(RuntimeError):
    """The model has no recorded hash, or its bytes changed since training."""


def _digest(model: Path) -> str:
    sha = hashlib.sha256()
    with open(model, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def seal_path(model: Path) -> Path:
    return model.with_name(model.name + ".sha256")


def seal(model: Path) -> str:
    """Record the model's hash (done by `make train` right after `rasa train`); idempotent."""
    digest = _digest(model)
    seal_path(model).write_text(f"{digest}  {model.name}\n", encoding="ascii")
    return digest


def verify(model: Path) -> None:
    recorded = seal_path(model)
    if not recorded.exists():
        raise ModelNotSealed(f"{model.name} has no recorded hash: train it with `make train`.")
    if recorded.read_text(encoding="ascii").split()[0] != _digest(model):
        raise ModelNotSealed(f"{model.name} changed after training (hash differs): refusing to load it.")
