import pytest
import torch

from dlkit.data.structured import topic_sequences


def test_every_word_of_a_sequence_is_of_its_topic():
    ids, topics = topic_sequences(200, max_len=7, num_topics=3, words_per_topic=5, first_id=2, seed=1)
    assert ids.shape == (200, 7) and topics.shape == (200,)
    assert ids.dtype == torch.int64 and topics.dtype == torch.int64
    assert int(ids.min()) >= 2 and int(ids.max()) <= 2 + 3 * 5 - 1
    assert bool(((ids - 2) % 3 == topics[:, None]).all())
    assert set(topics.tolist()) == {0, 1, 2} and len(ids.unique()) == 15  # all topics and words occur


def test_seeded_and_balanced():
    a, _ = topic_sequences(10, seed=4)
    b, _ = topic_sequences(10, seed=4)
    c, _ = topic_sequences(10, seed=5)
    assert torch.equal(a, b) and not torch.equal(a, c)
    _, topics = topic_sequences(9, num_topics=3, balanced=True)
    assert topics.tolist() == [0, 1, 2] * 3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_sequences": 0},
        {"num_sequences": 4, "max_len": 0},
        {"num_sequences": 4, "num_topics": 1},
        {"num_sequences": 4, "words_per_topic": 0},
        {"num_sequences": 4, "first_id": -1},
    ],
)
def test_bad_sizes_raise(kwargs):
    num_sequences = kwargs.pop("num_sequences")
    with pytest.raises(ValueError, match="Expected num_sequences >= 1"):
        topic_sequences(num_sequences, **kwargs)
