import pytest
import torch

from dlkit.data import CharCorpusDataModule, TensorDataModule
from dlkit.models.bert import BERT, BERTClassifier, BERTEncoder
from dlkit.tasks import ClassificationTask
from dlkit.tasks.language_model import MaskedLMTask
from dlkit.models.transformer import TransformerEncoderBlock
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run
from tests.models.dropout import assert_dropout_acts

KWARGS = {"vocab_size": 12, "max_len": 8, "d_model": 16, "num_heads": 2, "num_layers": 2}


def test_forward_shapes():
    ids = torch.randint(0, 12, (3, 8))
    assert BERTEncoder(**KWARGS)(ids).shape == (3, 8, 16)
    assert BERT(**KWARGS)(ids).shape == (3, 8, 12)
    assert BERTClassifier(num_classes=4, **KWARGS)(ids).shape == (3, 4)


def test_blocks_are_dlkits_one_block_without_a_causal_mask():
    blocks = BERT(**KWARGS).encoder.transformer.blocks
    assert len(blocks) == 2 and all(type(block) is TransformerEncoderBlock and not block.causal for block in blocks)


def test_dropout_zeroes_p_in_training_and_nothing_in_eval():
    net = BERTClassifier(num_classes=3, dropout=0.2, **KWARGS)
    ids = torch.randint(0, 12, (16, 8))
    # the embeddings, 4 per block (attention weights, feed-forward, two sub-layer outputs), the pooled output
    assert_dropout_acts(net, lambda: net(ids), p=0.2, calls=1 + 2 * 4 + 1)


def test_padding_does_not_change_the_real_tokens():
    net = BERTClassifier(num_classes=2, pad_id=0, **KWARGS).eval()
    ids = torch.randint(1, 12, (1, 5))
    padded = torch.cat([ids, torch.zeros(1, 3, dtype=torch.long)], dim=1)
    # positions 0..4 get the same positional embeddings either way; padding is masked and left out of the mean
    assert torch.allclose(net(ids), net(padded), atol=1e-5)


def test_pretrained_encoder_loads_into_the_classifier():
    pretrained, classifier = BERT(**KWARGS), BERTClassifier(num_classes=3, **KWARGS)
    classifier.encoder.load_state_dict(pretrained.encoder.state_dict())
    ids = torch.randint(0, 12, (2, 8))
    assert torch.equal(classifier.encoder(ids), pretrained.encoder(ids))


@pytest.mark.parametrize(
    ("ids", "error", "message"),
    [
        (torch.randint(0, 12, (2, 8, 1)), ValueError, r"Expected token ids of shape \(B, T\)"),
        (torch.full((1, 4), -1), ValueError, r"Expected token ids in 0..11"),
        (torch.randint(0, 12, (1, 9)), ValueError, "Expected sequences of at most max_len=8 tokens"),
        (torch.zeros(1, 4), TypeError, "Expected integer token ids"),
    ],
    ids=["rank", "vocab", "too-long", "dtype"],
)
def test_bad_input_is_a_clear_error(ids, error, message):
    with pytest.raises(error, match=message):
        BERT(**KWARGS)(ids)


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="Expected num_classes >= 2"):
        BERTClassifier(num_classes=1, **KWARGS)
    with pytest.raises(ValueError, match=r"Expected pad_id in 0..11"):
        BERT(pad_id=12, **KWARGS)
    with pytest.raises(ValueError, match=r"Expected mask_id in 0..11"):
        MaskedLMTask(model=BERT, model_kwargs=KWARGS, mask_id=12)


def test_mlm_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    dm = CharCorpusDataModule(text="the quick brown fox jumps over the lazy dog. " * 20, max_len=8,
                              specials=["<mask>"], batch_size=16)
    task = MaskedLMTask(model=BERT, model_kwargs={**KWARGS, "vocab_size": len(dm.vocab)}, mask_id=0, mask_prob=0.3)
    trainer = fit_fast_dev_run(task, dm)
    assert {"train_loss", "val_acc", "val_perplexity"} <= set(trainer.callback_metrics)
    assert_checkpoint_round_trip(trainer, task, dm.val_set.tensors[0], tmp_path / "bert.ckpt")


def test_classifier_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    ids, labels = torch.randint(0, 12, (40, 8)), torch.randint(0, 3, (40,))
    dm = TensorDataModule(train=(ids[:32], labels[:32]), val=(ids[32:], labels[32:]), batch_size=16)
    task = ClassificationTask(model=BERTClassifier, model_kwargs={**KWARGS, "num_classes": 3}, num_classes=3)
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, ids[32:], tmp_path / "bert-clf.ckpt")
