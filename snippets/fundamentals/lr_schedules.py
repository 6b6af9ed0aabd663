import torch
from torch.optim import lr_scheduler

epochs = 40


def make_optimizer():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)


schedules = {
    "step": lambda opt: lr_scheduler.StepLR(opt, step_size=10, gamma=0.5),
    "exponential": lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.93),
    "cosine annealing": lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=epochs),
    "linear warm-up + cosine": lambda opt: lr_scheduler.SequentialLR(
        opt,
        [
            lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5),
            lr_scheduler.CosineAnnealingLR(opt, T_max=epochs - 5),
        ],
        milestones=[5],
    ),
}
# A made-up validation loss that improves until epoch 12, then stays flat.
val_losses = [1.0 / (1 + epoch) if epoch < 12 else 1.0 / 13 for epoch in range(epochs)]

lrs = {}
for name, make_scheduler in [*schedules.items(), ("reduce on plateau", None)]:
    optimizer = make_optimizer()
    scheduler = (
        make_scheduler(optimizer)
        if make_scheduler
        else lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3)
    )
    lrs[name] = []
    for epoch in range(epochs):
        # the rate this epoch trains with
        lrs[name].append(optimizer.param_groups[0]["lr"])
        optimizer.step()  # (the epoch's training steps go here)
        if name == "reduce on plateau":
            scheduler.step(val_losses[epoch])  # watches the validation loss
        else:
            scheduler.step()                                  # follows the epoch count
