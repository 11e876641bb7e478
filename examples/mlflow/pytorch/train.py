"""Train a small CNN on 28x28 digits, log it with MLflow and import it as a batchable model."""

import mlflow
import mlflow.pytorch
import torch
from data import load_mnist_like
from torch import nn

import vtsserving

MODEL_NAME = "mlflow_pytorch_mnist"


class SmallCNN(nn.Module):
    """Two convolutions and a linear layer: enough for digits, trains in seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),  # 8x13x13
            nn.Conv2d(8, 16, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),  # 16x5x5
        )
        self.classifier = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def train(epochs: int = 3) -> nn.Module:
    torch.manual_seed(0)
    images, labels = load_mnist_like()
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    model = SmallCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(64):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
    return model.eval()


def main() -> None:
    model = train()
    images, _ = load_mnist_like()
    # --8<-- [start:log-import]
    with mlflow.start_run():
        # MLflow 3 needs an input example (or serialization_format="pickle") for PyTorch.
        mlflow.pytorch.log_model(
            model,
            artifact_path="pytorch-model",
            input_example=images[:2],
            pip_requirements=[f"torch=={torch.__version__}"],
        )
        model_uri = mlflow.get_artifact_uri("pytorch-model")
        vts_model = vtsserving.mlflow.import_model(
            MODEL_NAME,
            model_uri,
            signatures={"predict": {"batchable": True}},
        )
    # --8<-- [end:log-import]
    print(f"Model imported to VtsServing: {vts_model}")


if __name__ == "__main__":
    main()
