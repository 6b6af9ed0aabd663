import torch
import torch.nn.functional as F

torch.manual_seed(0)
N, D = 256, 10
X = torch.randn(N, D)
y = X @ torch.randn(D) + 0.1 * torch.randn(N)

# For the MSE of a linear model the curvature is the Hessian H = (2/N) X^T X; gradient
# descent converges only for learning rates below 2 / (largest eigenvalue of H).
hessian = 2 / N * X.T @ X
lr_limit = 2 / torch.linalg.eigvalsh(hessian).max().item()


def full_batch_losses(lr, steps=50):
    w = torch.zeros(D, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(X @ w, y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


learning_rates = {"too low": 0.001, "good": 0.5 * lr_limit, "too high": 1.1 * lr_limit}
curves = {name: full_batch_losses(lr) for name, lr in learning_rates.items()}
for name, lr in learning_rates.items():
    print(
        f"lr={lr:.3f} ({name:8s}): loss {curves[name][0]:.3f} -> "
        f"{curves[name][-1]:.3g} after 50 steps"
    )
