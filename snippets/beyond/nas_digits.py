import optuna
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from dlkit.nas import DEFAULT, evaluate_architecture, evolve, suggest_architecture

digits = load_digits()
x = torch.tensor(digits.data / 16, dtype=torch.float32)
y = torch.tensor(digits.target)
x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=0.2, stratify=y,
                                                  random_state=0)
x_train, x_val, y_train, y_val = train_test_split(x_rest, y_rest, test_size=0.25,
                                                  stratify=y_rest, random_state=0)


def val_accuracy(arch: dict) -> float:
    """The search's score: validation accuracy after 100 full-batch Adam steps."""
    return evaluate_architecture(arch, x_train, y_train, x_val, y_val, steps=100,
                                 seed=0)


optuna.logging.set_verbosity(optuna.logging.WARNING)
studies = {}
for name, sampler in [("random", optuna.samplers.RandomSampler(seed=0)),
                      ("TPE", optuna.samplers.TPESampler(seed=0, n_startup_trials=5))]:
    studies[name] = optuna.create_study(direction="maximize", sampler=sampler)
    studies[name].optimize(lambda trial: val_accuracy(suggest_architecture(trial)),
                           n_trials=12)
evolved, evolved_score, evolution_curve = evolve(val_accuracy, population=6,
                                                 generations=3, seed=0)

default_score = val_accuracy(DEFAULT)
print(f"default {DEFAULT}: validation accuracy {default_score:.3f}")
for name, study in studies.items():
    print(f"{name:>6} search, 12 trials: best {study.best_params}, "
          f"{study.best_value:.3f}")
print(f"evolution, 15 evaluations: best {evolved}, {evolved_score:.3f}")
