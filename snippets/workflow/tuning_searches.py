import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution

# Grid search: the seeds' grid of optimiser, dropout and batch size, plus the learning rate,
# 2 values each: 16 configurations, more than the budget, so GridSampler tries 8 of them.
grid_space = {"optimizer": ["adam", "sgd"], "lr": [1e-3, 3e-2],
              "model.dropout": [0.0, 0.5], "batch_size": [32, 128]}
# Random search and TPE: ranges instead of points (the learning rate on a log scale).
space = {"optimizer": CategoricalDistribution(["adam", "sgd"]),
         "lr": FloatDistribution(1e-4, 1e-1, log=True),
         "model.dropout": FloatDistribution(0.0, 0.5),
         "batch_size": CategoricalDistribution([32, 64, 128])}

studies = {
    "grid": run(optuna.samplers.GridSampler(grid_space, seed=0), grid_space,
                optuna.pruners.NopPruner()),
    "random": run(optuna.samplers.RandomSampler(seed=0), space, optuna.pruners.NopPruner()),
    # TPE: 4 random trials, then each trial where the model of good trials says to look;
    # a trial whose val_acc is below the median of earlier trials at the same epoch is pruned.
    "TPE + pruning": run(optuna.samplers.TPESampler(seed=0, n_startup_trials=4), space,
                         optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1)),
}

table = {}
for name, (study, seconds, objective) in studies.items():
    table[name] = {
        "best val_acc": study.best_value,
        "trials": len(study.trials),
        "pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials),
        "epochs": sum(len(t.intermediate_values) for t in study.trials),
        "seconds": seconds,
    }
print(f"{'method':14s} {'best val_acc':>12s} {'trials':>7s} {'pruned':>7s} {'epochs':>7s} "
      f"{'wall time':>10s}")
for name, row in table.items():
    print(f"{name:14s} {row['best val_acc']:12.4f} {row['trials']:7d} {row['pruned']:7d} "
          f"{row['epochs']:7d} {row['seconds']:9.1f}s")
