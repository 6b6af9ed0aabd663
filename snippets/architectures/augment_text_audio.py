import math

import torch

# one seeded source of randomness for every draw below
generator = torch.Generator().manual_seed(0)

# Text: a sentence as a list of tokens (words here; subword tokens work the same way).
sentence = "the film was slow at first but the ending made it worth watching".split()


def token_dropout(tokens, p, generator):
    """Delete each token independently with probability p (keep at least one)."""
    keep = torch.rand(len(tokens), generator=generator) >= p
    return [token for token, kept in zip(tokens, keep.tolist()) if kept] or tokens[:1]


def swap_neighbours(tokens, generator):
    """Exchange one randomly chosen pair of neighbouring tokens."""
    i = int(torch.randint(len(tokens) - 1, (1,), generator=generator))
    swapped = list(tokens)
    swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    return swapped


dropped = token_dropout(sentence, p=0.2, generator=generator)
swapped = swap_neighbours(sentence, generator=generator)
print(" ".join(dropped))
print(" ".join(swapped))

# Audio: one second of a generated waveform (a 440 Hz
# tone and its first overtone), 8,000 samples per second.
sample_rate = 8000
t = torch.arange(sample_rate, dtype=torch.float64) / sample_rate
# (8000,)
wave = 0.6 * torch.sin(2 * math.pi * 440 * t) + 0.2 * torch.sin(2 * math.pi * 880 * t)

# Time shift: start the sound up to 0.1 s earlier
# or later (circularly, so no sample is lost).
shift = int(torch.randint(-800, 801, (1,), generator=generator))
shifted = torch.roll(wave, shifts=shift)

# Background noise at a chosen signal-to-noise
# ratio: noise power = signal power / 10^(SNR/10).
snr_db = 20.0
noise = torch.randn(wave.shape, generator=generator, dtype=wave.dtype)
noise = noise * (wave.pow(2).mean() / noise.pow(2).mean() / 10 ** (snr_db / 10)).sqrt()
noisy = wave + noise
print(f"shift {shift} samples ({shift / sample_rate * 1000:.0f} ms)")
