import numpy as np
import optuna
import pytest
import torch

from dlkit.nas import DEFAULT, SPACE, build_network, evaluate_architecture, evolve, mutate, suggest_architecture


def test_suggest_covers_the_space_with_a_random_sampler():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(lambda t: seen.add(tuple(suggest_architecture(t).values())) or 0.0, n_trials=60)
    assert all(value in SPACE["activation"] for _, _, value in seen) and len(seen) > 20


def test_build_network_has_the_asked_depth_width_and_activation():
    net = build_network({"depth": 3, "width": 8, "activation": "gelu"}, in_features=5, out_features=2)
    linears = [m for m in net.layers if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [8, 8, 8, 2]
    assert sum(isinstance(m, torch.nn.GELU) for m in net.layers) == 3


def test_evaluate_is_deterministic_for_a_seed_and_leaves_the_global_generator_alone():
    x, y = torch.randn(30, 4), torch.arange(30) % 3
    torch.manual_seed(5)
    untouched = torch.rand(1)
    torch.manual_seed(5)
    a = evaluate_architecture(DEFAULT, x, y, x, y, steps=10, seed=3)
    assert torch.equal(torch.rand(1), untouched)
    assert a == evaluate_architecture(DEFAULT, x, y, x, y, steps=10, seed=3)


def test_evolve_calls_the_fitness_once_per_architecture_and_never_gets_worse():
    calls = []

    def fitness(arch):
        calls.append(tuple(arch.values()))
        return -abs(arch["width"] - 32) - arch["depth"]

    best, score, curve = evolve(fitness, population=6, generations=5, seed=1)
    assert len(calls) == len(set(calls))
    assert curve == sorted(curve) and score == curve[-1] == fitness(best)


def test_bad_architectures_and_options_are_clear_errors():
    with pytest.raises(ValueError, match="Expected width to be one of"):
        build_network({"depth": 1, "width": 7, "activation": "relu"}, in_features=2, out_features=2)
    with pytest.raises(ValueError, match="Expected an architecture with the keys"):
        mutate({"depth": 1}, np.random.default_rng(0))
    with pytest.raises(ValueError, match="Expected population >= 2"):
        evolve(lambda a: 0.0, population=1)
