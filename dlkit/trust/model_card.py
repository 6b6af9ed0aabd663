"""Model cards (Mitchell et al., 2019) written from measured numbers, saved next to the checkpoint.

A model card is a short document that travels with a trained model: what it is for and not for, what data it
learned from, how well it does overall, per class and per group of inputs, its known limitations, and how the
numbers were verified. ``ModelCard`` holds those fields; ``to_markdown`` renders them, ``save`` writes
``MODEL_CARD.md`` and ``model_card.json`` beside a checkpoint, and ``ModelCard.load`` reads the JSON back.
``fingerprint`` gives a short hash of the training data so a card names exactly what the model saw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

__all__ = ["ModelCard", "fingerprint"]


def fingerprint(*tensors: torch.Tensor) -> str:
    """The first 16 hex digits of the SHA-256 of the tensors' bytes (contiguous, on the CPU), in order.

    Example:
        >>> import torch
        >>> from dlkit.trust.model_card import fingerprint
        >>> fingerprint(torch.zeros(3)) == fingerprint(torch.zeros(3)), fingerprint(torch.zeros(3)) == fingerprint(torch.ones(3))
        (True, False)
        >>> len(fingerprint(torch.zeros(3)))
        16
    """
    if not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
        raise TypeError(f"Expected one or more tensors, but got {[type(t).__name__ for t in tensors]}")
    digest = hashlib.sha256()
    for t in tensors:
        digest.update(str(tuple(t.shape)).encode())
        digest.update(t.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _table(rows: dict[str, dict[str, float]], first: str) -> list[str]:
    columns = list(next(iter(rows.values())))
    lines = [f"| {first} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, values in rows.items():
        cells = (str(values[c]) if isinstance(values[c], int) else f"{values[c]:.3f}" for c in columns)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")  # counts as integers, rates to 3 decimals
    return lines


@dataclass
class ModelCard:
    """The fields of a model card; every number is meant to come from code that just ran.

    Args:
        name: the model's name.
        intended_use: what it is for, and for whom.
        out_of_scope: uses it was not built or tested for.
        data: what it was trained and evaluated on (name -> description, e.g. sizes and a ``fingerprint``).
        metrics: overall test metrics (name -> value).
        per_class: metrics per class (class -> name -> value).
        per_group: metrics per group of inputs (group -> name -> value), e.g. per demographic or input kind.
        limitations: known weaknesses, each one sentence with its measured evidence.
        verification: how the numbers were produced and checked (versions, seed, test run).

    Example:
        >>> from dlkit.trust.model_card import ModelCard
        >>> card = ModelCard(
        ...     name="toy", intended_use="a demo", out_of_scope=["anything real"], data={"train": "4 rows"},
        ...     metrics={"accuracy": 0.75}, per_class={"0": {"recall": 1.0}, "1": {"recall": 0.5}},
        ... )
        >>> print(card.to_markdown().splitlines()[0])
        # Model card: toy
        >>> "| 1 | 0.500 |" in card.to_markdown()
        True
        >>> ModelCard(name="", intended_use="", out_of_scope=[], data={}, metrics={"acc": 1.0})
        Traceback (most recent call last):
        ...
        ValueError: Expected a non-empty model name, but got ''
    """

    name: str
    intended_use: str
    out_of_scope: list[str]
    data: dict[str, str]
    metrics: dict[str, float]
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    per_group: dict[str, dict[str, float]] = field(default_factory=dict)
    limitations: list[str] = field(default_factory=list)
    verification: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"Expected a non-empty model name, but got {self.name!r}")
        if not self.metrics:
            raise ValueError("Expected at least one overall metric, but got none")
        for label, value in self.metrics.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise TypeError(f"Expected metric {label!r} to be a number, but got {type(value).__name__}")
        for kind, rows in (("per_class", self.per_class), ("per_group", self.per_group)):
            columns = {tuple(row) for row in rows.values()}
            if len(columns) > 1:
                raise ValueError(f"Expected every {kind} row to have the same metrics, but got {sorted(columns)}")

    def to_markdown(self) -> str:
        """The card as Markdown: headings, bullet lists and tables."""
        lines = [f"# Model card: {self.name}", "", "## Intended use", "", self.intended_use, ""]
        lines += ["## Out of scope", ""] + [f"- {item}" for item in self.out_of_scope] + [""]
        lines += ["## Data", ""] + [f"- **{key}**: {value}" for key, value in self.data.items()] + [""]
        lines += ["## Metrics", ""] + [f"- **{key}**: {value:.4f}" for key, value in self.metrics.items()] + [""]
        if self.per_class:
            lines += ["## Per class", ""] + _table(self.per_class, "class") + [""]
        if self.per_group:
            lines += ["## Per group", ""] + _table(self.per_group, "group") + [""]
        if self.limitations:
            lines += ["## Limitations", ""] + [f"- {item}" for item in self.limitations] + [""]
        if self.verification:
            lines += ["## Verification", ""] + [f"- **{key}**: {value}" for key, value in self.verification.items()]
        return "\n".join(lines).rstrip() + "\n"

    def save(self, folder: str | Path) -> tuple[Path, Path]:
        """Write ``MODEL_CARD.md`` and ``model_card.json`` into ``folder`` (e.g. the checkpoint's folder).

        Example:
            >>> import tempfile
            >>> from dlkit.trust.model_card import ModelCard
            >>> card = ModelCard(name="toy", intended_use="a demo", out_of_scope=[], data={}, metrics={"acc": 1.0})
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     markdown, saved = card.save(folder)
            ...     ModelCard.load(saved) == card, markdown.name
            (True, 'MODEL_CARD.md')
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise ValueError(f"Expected an existing folder to save the card in, but got {folder}")
        markdown, saved = folder / "MODEL_CARD.md", folder / "model_card.json"
        markdown.write_text(self.to_markdown())
        saved.write_text(json.dumps(asdict(self), indent=2))
        return markdown, saved

    @classmethod
    def load(cls, path: str | Path) -> ModelCard:
        """Read a card written by ``save`` from its ``model_card.json``."""
        values: dict[str, Any] = json.loads(Path(path).read_text())
        return cls(**values)
