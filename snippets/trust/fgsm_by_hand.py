import torch
import torch.nn.functional as F


def fgsm_by_hand(model, x, y, eps):
    """One signed gradient step that raises the loss, clipped to the range [0, 1]."""
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)  # d loss / d input, same shape as x
    return (x + eps * grad.sign()).clamp(0, 1).detach()
