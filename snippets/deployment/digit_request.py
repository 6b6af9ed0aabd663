import json

from dlkit.data import DigitsDataModule

digits = DigitsDataModule(as_images=True, batch_size=64)
image, label = digits.test_set[0]  # a (1, 8, 8) standardised test digit and its label
request = {"instances": [image.tolist()]}  # one instance; up to --max-instances per request
(workdir / "digit.json").write_text(json.dumps(request))
print(f"digit.json: 1 instance of shape {tuple(image.shape)}, label {int(label)}")
