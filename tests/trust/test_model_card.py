import json

import pytest
import torch

from dlkit.trust.model_card import ModelCard, fingerprint


def card(**overrides):
    fields = {
        "name": "m", "intended_use": "tests", "out_of_scope": ["production"], "data": {"train": "10 rows"},
        "metrics": {"accuracy": 0.9}, "per_class": {"a": {"recall": 1.0, "support": 3}},
        "per_group": {"g": {"accuracy": 0.5, "support": 2}}, "limitations": ["small"],
        "verification": {"seed": "0"},
    }
    return ModelCard(**{**fields, **overrides})


def test_markdown_has_every_section_and_formats_counts_as_integers():
    text = card().to_markdown()
    for heading in ("Intended use", "Out of scope", "Data", "Metrics", "Per class", "Per group", "Limitations",
                    "Verification"):
        assert f"## {heading}" in text
    assert "| a | 1.000 | 3 |" in text and "| g | 0.500 | 2 |" in text


def test_save_and_load_round_trip(tmp_path):
    markdown, saved = card().save(tmp_path)
    assert ModelCard.load(saved) == card()
    assert markdown.read_text() == card().to_markdown()
    assert json.loads(saved.read_text())["metrics"] == {"accuracy": 0.9}


def test_bad_cards_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="Expected a non-empty model name"):
        card(name=" ")
    with pytest.raises(ValueError, match="Expected at least one overall metric"):
        card(metrics={})
    with pytest.raises(TypeError, match="Expected metric 'accuracy' to be a number, but got str"):
        card(metrics={"accuracy": "high"})
    with pytest.raises(ValueError, match="Expected every per_class row to have the same metrics"):
        card(per_class={"a": {"recall": 1.0}, "b": {"precision": 1.0}})
    with pytest.raises(ValueError, match="Expected an existing folder to save the card in"):
        card().save(tmp_path / "missing")


def test_fingerprint_depends_on_values_shape_and_order():
    a, b = torch.arange(4.0), torch.arange(4.0).reshape(2, 2)
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a, b) != fingerprint(b, a)
    with pytest.raises(TypeError, match="Expected one or more tensors"):
        fingerprint([1, 2])
    with pytest.raises(TypeError, match="Expected one or more tensors"):
        fingerprint()
