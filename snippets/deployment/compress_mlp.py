import copy
import warnings

import pytorch_lightning as pl
import torch
from torch.ao.quantization import get_default_qconfig_mapping, quantize_dynamic
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
from torch.nn.utils import prune

from dlkit.data import DigitsDataModule
from dlkit.deploy.compression import (
    latency_ms,
    model_bytes,
    nonzero_parameters,
    prune_hidden_units,
)
from dlkit.models.mlp import MLP
from dlkit.tasks import ClassificationTask
from dlkit.training import make_trainer

pl.seed_everything(0, verbose=False)
flat_digits = DigitsDataModule(as_images=False, batch_size=64)  # 64 standardised pixels
mlp_task = ClassificationTask(
    model=MLP,
    model_kwargs={"in_features": 64, "out_features": 10, "hidden_dims": (256, 256)},
    num_classes=10,
    lr=1e-3,
)
make_trainer(max_epochs=10).fit(mlp_task, datamodule=flat_digits)
mlp = mlp_task.net.eval()
x_test, y_test = flat_digits.test_set.tensors  # 360 test digits


def accuracy(network: torch.nn.Module) -> float:
    with torch.inference_mode():
        return (network(x_test).argmax(dim=1) == y_test).float().mean().item()


# 1. dynamic int8 quantisation: Linear weights stored as int8,
#    activations quantised on the fly
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # torch announces a move of quantisation to torchao
    int8 = quantize_dynamic(mlp, {torch.nn.Linear}, dtype=torch.qint8)

# 2. static int8 quantisation: weights and activations int8, each activation's
#    scale calibrated on 256 training digits (FX graph mode: traces the layers)
calibration = flat_digits.train_set.tensors[0][:256]
engine = torch.backends.quantized.engine  # x86 / fbgemm on PCs, qnnpack on ARM
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the same announcement of torchao
    observed = prepare_fx(
        copy.deepcopy(mlp.layers),  # the Sequential: MLP.forward checks shapes
        get_default_qconfig_mapping(engine),
        example_inputs=(calibration[:1],),
    )
    with torch.inference_mode():
        observed(calibration)  # observers record each activation's range
    static_int8 = convert_fx(observed)


def fine_tune(
    network: torch.nn.Module, hidden_dims: tuple[int, ...]
) -> torch.nn.Module:
    """Three more epochs for a pruned network (pruning masks, if any, stay applied)."""
    task = ClassificationTask(
        model=MLP,
        model_kwargs={
            "in_features": 64,
            "out_features": 10,
            "hidden_dims": hidden_dims,
        },
        num_classes=10,
        lr=1e-3,
    )
    task.net = network.train()
    make_trainer(max_epochs=3).fit(task, datamodule=flat_digits)
    return task.net.eval()


# 3. magnitude pruning: zero the 80% smallest weights of all layers together,
#    fine-tune with
#    the mask in place, then make it permanent
sparse = MLP(in_features=64, out_features=10, hidden_dims=(256, 256))
sparse.load_state_dict(mlp.state_dict())
weights = [(m, "weight") for m in sparse.modules() if isinstance(m, torch.nn.Linear)]
prune.global_unstructured(weights, pruning_method=prune.L1Unstructured, amount=0.8)
sparse_before = accuracy(sparse.eval())
sparse = fine_tune(sparse, (256, 256))
for module, name in weights:
    prune.remove(module, name)  # weight = weight_orig * mask, the mask dropped

# 4. structured pruning: remove half of each hidden layer's units
#    (smallest L2 norm), fine-tune
narrow = prune_hidden_units(mlp, amount=0.5)
narrow_before = accuracy(narrow.eval())
narrow = fine_tune(narrow, (128, 128))

# The Trainers turned on deterministic algorithms, and static int8 kernels resize
# their outputs with an op that has no deterministic flag: let it warn, not fail
torch.use_deterministic_algorithms(True, warn_only=True)
warnings.filterwarnings("ignore", message="quantized_resize_cpu_")
variants = {
    "float32": mlp,
    "int8 dynamic": int8,
    "int8 static": static_int8,
    "80% magnitude-pruned": sparse,
    "50% units removed": narrow,
}
one, many = x_test[:1], x_test[:256]
table = {
    name: {
        "nonzero": nonzero_parameters(net),
        "kB": model_bytes(net) / 1e3,
        "zip kB": model_bytes(net, compressed=True) / 1e3,
        "ms (1)": latency_ms(net, one),
        "ms (256)": latency_ms(net, many),
        "accuracy": accuracy(net),
    }
    for name, net in variants.items()
}
print(
    f"{'':22}{'non-zero':>9}{'kB':>7}{'zip kB':>8}"
    f"{'ms (1)':>8}{'ms (256)':>9}{'acc':>7}"
)
for name, row in table.items():
    print(
        f"{name:22}{row['nonzero']:9d}{row['kB']:7.0f}{row['zip kB']:8.0f}"
        f"{row['ms (1)']:8.3f}{row['ms (256)']:9.3f}{row['accuracy']:7.3f}"
    )
print(
    f"before fine-tuning: magnitude-pruned {sparse_before:.3f}, "
    f"units removed {narrow_before:.3f}"
)
