import re
from collections import Counter

from dlkit.data.corpus import python_reference_corpus


def split_words(text):
    """Cut text into words with their leading space (" if") and single other whitespace
    characters.

    Merges never cross these pieces, and joining them gives the text back."""
    return re.findall(r" ?\S+|\s", text)


def merge_pair(symbols, pair):
    """Replace each occurrence of the two adjacent symbols ``pair`` in a tuple by their
    concatenation."""
    merged, i = [], 0
    while i < len(symbols):
        if symbols[i : i + 2] == pair:
            merged.append(pair[0] + pair[1])
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return tuple(merged)


def train_bpe(text, num_merges):
    """Byte-pair encoding (Sennrich et al., 2016): start from characters, merge the most
    frequent adjacent pair, repeat."""
    # each distinct word as a tuple of characters: its count
    words = Counter(tuple(word) for word in split_words(text))
    pairs = Counter()  # how often each two adjacent symbols occur in the text
    for symbols, count in words.items():
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] += count
    merges = []
    for _ in range(num_merges):
        # the most frequent pair (ties: the one counted first)
        best = max(pairs, key=pairs.get)
        merges.append(best)
        # only words that may hold the pair
        for symbols in [symbols for symbols in words if best[0] in symbols]:
            merged = merge_pair(symbols, best)
            if merged == symbols:
                continue
            count = words.pop(symbols)
            words[merged] += count
            # the word's old pairs go, its new pairs come
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] -= count
            for pair in zip(merged, merged[1:]):
                pairs[pair] += count
    return merges


def bpe_encode(text, merges):
    """Split text into tokens: each word starts as characters; the learned merges apply,
    earliest learned first."""
    rank = {pair: i for i, pair in enumerate(merges)}
    tokens = []
    for word in split_words(text):
        symbols = tuple(word)
        while len(symbols) > 1:
            pair = min(zip(symbols, symbols[1:]), key=lambda p: rank.get(p, len(rank)))
            if pair not in rank:  # no learned merge left in this word
                break
            symbols = merge_pair(symbols, pair)
        tokens.extend(symbols)
    return tokens


text = "\n\n".join(python_reference_corpus().values())
split = int(0.98 * len(text))
# the last 2% held out, as for the GPT above
train_text, val_text = text[:split], text[split:]
merges = train_bpe(train_text, num_merges=256)
# the characters, then one new token per merge
vocab = sorted(set(train_text)) + [a + b for a, b in merges]
val_tokens = bpe_encode(val_text, merges)
print("first 12 merges:", merges[:12])
print(
    f"{len(vocab)} tokens; validation text: {len(val_text)} characters -> "
    f"{len(val_tokens)} tokens"
)
