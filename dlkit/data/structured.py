"""Generated token sequences with hidden structure: material for self-supervised pretraining in seconds."""

from __future__ import annotations

import torch

__all__ = ["topic_sequences"]


def topic_sequences(
    num_sequences: int,
    *,
    max_len: int = 12,
    num_topics: int = 4,
    words_per_topic: int = 24,
    first_id: int = 1,
    balanced: bool = False,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences of "words" that each come from one hidden topic: a tiny language whose structure is co-occurrence.

    The vocabulary has ``num_topics * words_per_topic`` words; word ``w`` belongs to topic ``w % num_topics``, so
    the topics interleave and nothing but co-occurrence tells them apart (a network sees ids only through
    embeddings). Each sequence picks a topic and draws ``max_len`` words uniformly, with replacement, from it. Word
    ``w`` is token id ``first_id + w``, so ids below ``first_id`` stay free for special tokens such as ``[MASK]``.

    A masked language model learns from unlabelled sequences which words go together (a hidden word is one of its
    neighbours' topic: at best ``1 / words_per_topic`` of them are restored); the topic is then a label that a
    classifier can learn from very few examples if it starts from that knowledge.

    Args:
        num_sequences: how many sequences.
        max_len: words per sequence (at least 1; every sequence has exactly ``max_len`` words).
        num_topics: number of topics (at least 2).
        words_per_topic: words in each topic (at least 1).
        first_id: id of word 0 (at least 0).
        balanced: if True, sequence ``i`` has topic ``i % num_topics`` (equal counts); else topics are drawn at random.
        seed: seed of the draws (a CPU generator: the same sequences on every device).

    Returns:
        ``ids`` of shape ``(num_sequences, max_len)`` (int64) and ``topics`` of shape ``(num_sequences,)`` (int64).

    Example:
        >>> from dlkit.data.structured import topic_sequences
        >>> ids, topics = topic_sequences(8, max_len=5, num_topics=4, words_per_topic=3, balanced=True, seed=0)
        >>> ids.shape, topics.tolist()
        (torch.Size([8, 5]), [0, 1, 2, 3, 0, 1, 2, 3])
        >>> bool(((ids - 1) % 4 == topics[:, None]).all())  # every word of a sequence is of its topic
        True
        >>> int(ids.min()) >= 1, int(ids.max()) <= 12  # id 0 stays free for [MASK]
        (True, True)
    """
    if num_sequences < 1 or max_len < 1 or num_topics < 2 or words_per_topic < 1 or first_id < 0:
        raise ValueError(
            "Expected num_sequences >= 1, max_len >= 1, num_topics >= 2, words_per_topic >= 1 and first_id >= 0, "
            f"but got {num_sequences}, {max_len}, {num_topics}, {words_per_topic} and {first_id}"
        )
    generator = torch.Generator().manual_seed(seed)
    if balanced:
        topics = torch.arange(num_sequences) % num_topics  # (N,)
    else:
        topics = torch.randint(num_topics, (num_sequences,), generator=generator)  # (N,)
    rank = torch.randint(words_per_topic, (num_sequences, max_len), generator=generator)  # (N, T): which word
    words = topics[:, None] + num_topics * rank  # (N, T): word ids, of topic w % num_topics
    return words + first_id, topics
