import numpy as np
import torch

from dlkit.data import DigitsDataModule
from dlkit.deploy.monitoring import DriftDetector, RetrainingTrigger

digits_flat = DigitsDataModule(as_images=False, batch_size=64)
reference, _ = (
    digits_flat.train_set.tensors
)  # what the model was trained on: (1257, 64)
fresh, fresh_y = (
    digits_flat.test_set.tensors
)  # new digits from the same distribution: (360, 64)
images = fresh.reshape(-1, 8, 8)
shifted = torch.roll(images, shifts=1, dims=2).reshape(
    -1, 64
)  # every digit one pixel right
darker = fresh * 0.8  # contrast lowered by 20% (pixels are standardised: 0 is the mean)

detector = DriftDetector(reference, alpha=0.01)
reports = {
    name: detector.check(x)
    for name, x in {"fresh": fresh, "shifted": shifted, "darker": darker}.items()
}
for name, report in reports.items():
    print(
        f"{name:8}: drift {report.drifted}, "
        f"{len(report.drifted_features):2d} of 64 pixels, "
        f"smallest p-value {report.p_values.min():.1e} "
        f"(threshold {report.threshold:.1e})"
    )


def alarms(stream: torch.Tensor, window: int = 120) -> list[bool]:
    """Feed a stream of served inputs, 30 at a time, to a retraining trigger."""
    trigger = RetrainingTrigger(detector, window=window)
    return [trigger.observe(batch) for batch in stream.split(30)]


fresh_alarms, shifted_alarms = alarms(fresh), alarms(shifted)
print(
    f"retraining trigger: {sum(fresh_alarms)} alarms on fresh data, "
    f"{sum(shifted_alarms)} on shifted data (3 windows of 120 each)"
)
