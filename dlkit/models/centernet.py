r"""A small CenterNet ("Objects as Points", Zhou et al., 2019): a detector that finds each object's centre on a
heatmap and reads its width and height off the same cell. No anchors, no non-maximum suppression: a peak of the
heatmap (a cell larger than its 8 neighbours) is a detection.

The network outputs, for an image of side ``S`` and a stride ``s``, a ``(num_classes + 4, S/s, S/s)`` map: one
heatmap per class (logits), then the box width and height in cells, then the centre's offset within its cell.
Training targets put a Gaussian bump of height 1 on each object's centre cell; the heatmap is trained with
CenterNet's penalty-reduced focal loss, the sizes and offsets with an L1 loss at the centre cells only:

$$\mathcal{L} = \mathcal{L}_\text{heat} + 0.1\,\mathcal{L}_\text{size} + \mathcal{L}_\text{offset}$$

Read top to bottom: the network, the training targets, the loss, then decoding the outputs into boxes.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from dlkit.models.unet import check_encoder_args, double_conv

__all__ = ["CenterNet", "centernet_targets", "centernet_loss", "decode_centernet"]

HEATMAP_PRIOR = 0.1  # initial heatmap probability (bias log(p / (1 - p))), as in CenterNet: keeps early losses sane
SIZE_WEIGHT = 0.1  # weight of the width/height L1 loss, CenterNet's


class CenterNet(nn.Module):
    """A convolutional backbone of stride ``2 ** (len(channels) - 1)`` with a heatmap head and a box head.

    Args:
        in_channels: channels of the input images.
        num_classes: object classes (no background class: a cell with low scores everywhere is background).
        channels: width per level: a double 3x3 convolution at full resolution, then each further level starts
            with a stride-2 convolution.

    Example:
        >>> import torch
        >>> from dlkit.models.centernet import CenterNet
        >>> net = CenterNet(in_channels=1, num_classes=3, channels=(8, 16, 32))
        >>> net.stride, net(torch.zeros(2, 1, 48, 48)).shape   # 3 heatmaps + width, height, dx, dy
        (4, torch.Size([2, 7, 12, 12]))
    """

    def __init__(self, *, in_channels: int = 1, num_classes: int = 1, channels: Sequence[int] = (16, 32, 64)) -> None:
        super().__init__()
        channels = check_encoder_args(in_channels, num_classes, channels)
        self.in_channels, self.num_classes = in_channels, num_classes
        self.stride = 2 ** (len(channels) - 1)
        layers = [double_conv(in_channels, channels[0])]
        for a, b in zip(channels[:-1], channels[1:]):
            layers += [nn.Conv2d(a, b, kernel_size=3, stride=2, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU()]
            layers += [double_conv(b, b)]
        self.backbone = nn.Sequential(*layers)
        width = channels[-1]
        self.heatmap = nn.Sequential(
            nn.Conv2d(width, width, kernel_size=3, padding=1), nn.ReLU(), nn.Conv2d(width, num_classes, kernel_size=1)
        )
        self.box = nn.Sequential(nn.Conv2d(width, width, kernel_size=3, padding=1), nn.ReLU(), nn.Conv2d(width, 4, 1))
        nn.init.constant_(self.heatmap[-1].bias, torch.logit(torch.tensor(HEATMAP_PRIOR)).item())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels or x.shape[2] % self.stride or x.shape[3] % self.stride:
            raise ValueError(
                f"Expected images of shape (N, {self.in_channels}, H, W) with H and W divisible by {self.stride}, "
                f"but got {tuple(x.shape)}"
            )
        features = self.backbone(x)  # (N, width, H/stride, W/stride)
        return torch.cat([self.heatmap(features), self.box(features)], dim=1)  # (N, num_classes + 4, h, w)


def centernet_targets(
    targets: Sequence[dict[str, torch.Tensor]], *, num_classes: int, image_size: int, stride: int
) -> torch.Tensor:
    """Dense training targets ``(N, num_classes + 4, image_size / stride, image_size / stride)`` from boxes.

    ``targets`` are torchvision-style dicts with ``"boxes"`` ``(n, 4)`` as ``(x1, y1, x2, y2)`` pixels and
    ``"labels"`` ``(n,)`` in ``1..num_classes``. Channel ``label - 1`` gets a Gaussian bump of height exactly 1 on
    the object's centre cell (standard deviations a sixth of the box's width and height); the last four channels
    hold, at the centre cell only, the box width and height in cells and the centre's offset inside the cell.

    Example:
        >>> import torch
        >>> from dlkit.models.centernet import centernet_targets
        >>> boxes = torch.tensor([[4.0, 8.0, 14.0, 20.0]])   # centre (9, 14) px -> cell (2, 3), stride 4
        >>> dense = centernet_targets([{"boxes": boxes, "labels": torch.tensor([2])}],
        ...                           num_classes=3, image_size=16, stride=4)
        >>> dense.shape, dense[0, 1, 3, 2].item(), dense[0, 3:, 3, 2].tolist()   # heat, w, h, dx, dy
        (torch.Size([1, 7, 4, 4]), 1.0, [2.5, 3.0, 0.25, 0.5])
    """
    if image_size % stride:
        raise ValueError(f"Expected image_size divisible by stride = {stride}, but got {image_size}")
    size = image_size // stride
    dense = torch.zeros(len(targets), num_classes + 4, size, size)
    cells = torch.arange(size, dtype=torch.float32)
    for i, target in enumerate(targets):
        boxes, labels = target["boxes"].float().cpu(), target["labels"].cpu()
        if boxes.ndim != 2 or boxes.shape[1] != 4 or len(labels) != len(boxes):
            raise ValueError(
                f"Expected boxes (n, 4) and labels (n,), but got {tuple(boxes.shape)} and {tuple(labels.shape)}"
            )
        if len(labels) and (labels.min() < 1 or labels.max() > num_classes):
            raise ValueError(f"Expected labels in 1..{num_classes}, but got {labels.tolist()}")
        for (x1, y1, x2, y2), label in zip(boxes.tolist(), labels.tolist()):
            cx, cy = (x1 + x2) / 2 / stride, (y1 + y2) / 2 / stride  # centre, in cells
            col, row = min(int(cx), size - 1), min(int(cy), size - 1)
            sx, sy = max((x2 - x1) / stride / 6, 0.3), max((y2 - y1) / stride / 6, 0.3)
            bump = torch.exp(-((cells - col)[None, :] ** 2) / (2 * sx**2) - ((cells - row)[:, None] ** 2) / (2 * sy**2))
            dense[i, label - 1] = torch.maximum(dense[i, label - 1], bump)  # (size, size); 1 at (row, col)
            dense[i, num_classes:, row, col] = torch.tensor(
                [(x2 - x1) / stride, (y2 - y1) / stride, cx - col, cy - row]
            )
    return dense


def centernet_loss(outputs: torch.Tensor, dense_targets: torch.Tensor) -> dict[str, torch.Tensor]:
    r"""CenterNet's loss terms: ``"loss"`` (the sum that is minimised), ``"heatmap"``, ``"size"``, ``"offset"``.

    The heatmap term is the penalty-reduced focal loss on probabilities $p = \sigma(\text{logit})$ against the
    Gaussian targets $y$, summed and divided by the number of objects $N$:
    $-\frac{1}{N}\sum [y = 1](1 - p)^2 \log p + [y < 1](1 - y)^4 p^2 \log(1 - p)$.

    Example:
        >>> import torch
        >>> from dlkit.models.centernet import centernet_loss
        >>> target = torch.zeros(1, 5, 4, 4)
        >>> target[0, 0, 1, 1], target[0, 1:, 1, 1] = 1.0, torch.tensor([2.0, 2.0, 0.5, 0.5])
        >>> perfect = target.clone()
        >>> perfect[:, :1] = torch.where(target[:, :1] == 1, 20.0, -20.0)   # logits: certain and right
        >>> round(centernet_loss(perfect, target)["loss"].item(), 6)
        0.0
    """
    if outputs.shape != dense_targets.shape:
        raise ValueError(f"Expected outputs of the targets' shape {tuple(dense_targets.shape)}, but got {tuple(outputs.shape)}")
    num_classes = outputs.shape[1] - 4
    heat_logits, heat_target = outputs[:, :num_classes], dense_targets[:, :num_classes]
    centres = heat_target.eq(1)  # (N, C, h, w)
    num_objects = centres.sum().clamp(min=1)
    log_p, log_not_p = F.logsigmoid(heat_logits), F.logsigmoid(-heat_logits)
    p = heat_logits.sigmoid()
    positive = ((1 - p) ** 2 * log_p)[centres].sum()
    negative = ((1 - heat_target) ** 4 * p**2 * log_not_p)[~centres].sum()
    heatmap = -(positive + negative) / num_objects
    at_centre = centres.any(dim=1, keepdim=True).expand(-1, 2, -1, -1)  # (N, 2, h, w)
    box, box_target = outputs[:, num_classes:], dense_targets[:, num_classes:]
    size = F.l1_loss(box[:, :2][at_centre], box_target[:, :2][at_centre], reduction="sum") / num_objects
    offset = F.l1_loss(box[:, 2:][at_centre], box_target[:, 2:][at_centre], reduction="sum") / num_objects
    return {"loss": heatmap + SIZE_WEIGHT * size + offset, "heatmap": heatmap, "size": size, "offset": offset}


@torch.no_grad()
def decode_centernet(
    outputs: torch.Tensor, *, stride: int, max_detections: int = 10
) -> list[dict[str, torch.Tensor]]:
    """Boxes from the network's outputs, in the format of torchvision's detectors and torchmetrics'
    ``MeanAveragePrecision``: per image a dict of ``"boxes"`` ``(k, 4)`` ``(x1, y1, x2, y2)`` pixels, ``"scores"``
    ``(k,)`` and ``"labels"`` ``(k,)`` in ``1..num_classes``.

    A detection is a heatmap cell that is the maximum of its 3x3 neighbourhood (a 3x3 max-pool stands in for
    non-maximum suppression); the ``max_detections`` highest such cells of each image are kept, scored by their
    probability. The mAP metric sweeps the score threshold itself.

    Example:
        >>> import torch
        >>> from dlkit.models.centernet import decode_centernet
        >>> outputs = torch.full((1, 5, 4, 4), -10.0)
        >>> outputs[0, 0, 1, 2] = 3.0                                   # one peak: class 1, cell (row 1, col 2)
        >>> outputs[0, 1:, 1, 2] = torch.tensor([2.0, 1.0, 0.5, 0.5])   # 2 x 1 cells, centred in the cell
        >>> found = decode_centernet(outputs, stride=4, max_detections=1)[0]
        >>> found["boxes"].tolist(), found["labels"].tolist()
        ([[6.0, 4.0, 14.0, 8.0]], [1])
    """
    if outputs.ndim != 4 or outputs.shape[1] < 5:
        raise ValueError(f"Expected outputs of shape (N, num_classes + 4, h, w), but got {tuple(outputs.shape)}")
    num_classes, width = outputs.shape[1] - 4, outputs.shape[3]
    heat = outputs[:, :num_classes].sigmoid()
    peaks = heat * (heat == F.max_pool2d(heat, kernel_size=3, stride=1, padding=1))  # (N, C, h, w), 0 off-peak
    scores, flat = peaks.flatten(1).topk(min(max_detections, peaks[0].numel()), dim=1)  # (N, k)
    labels = flat // heat[0, 0].numel()
    rows, cols = (flat % heat[0, 0].numel()) // width, flat % width
    detections = []
    for i in range(len(outputs)):
        w, h, dx, dy = outputs[i, num_classes:][:, rows[i], cols[i]]  # (4, k): each (k,)
        cx, cy = (cols[i] + dx) * stride, (rows[i] + dy) * stride  # centre in pixels
        w, h = w.clamp(min=0) * stride, h.clamp(min=0) * stride
        boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)  # (k, 4)
        detections.append({"boxes": boxes, "scores": scores[i], "labels": labels[i] + 1})
    return detections
