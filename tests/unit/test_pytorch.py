"""`vtsserving.pytorch`: whole modules and TorchScript, runnables and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import vtsserving
from vtsserving.exceptions import InvalidArgument


class TwoHead(torch.nn.Module):
    """A module with a second method, to check non-default signatures."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)

    def probabilities(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.linear(x), dim=-1)


@pytest.fixture
def net() -> TwoHead:
    torch.manual_seed(0)
    return TwoHead()


X = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")


def test_whole_module_round_trip(net: TwoHead) -> None:
    model = vtsserving.pytorch.save_model("net", net, labels={"kind": "linear"})
    info = yaml.safe_load(Path(model.path_of("model.yaml")).read_text())
    assert info["module"] == "vtsserving.pytorch" and info["options"] == {"format": "pickle"}
    assert info["signatures"] == {"__call__": {"batchable": False, "batch_dim": 0}}
    assert info["context"]["framework_versions"]["torch"] == torch.__version__
    loaded = vtsserving.pytorch.load_model("net:latest")
    assert isinstance(loaded, TwoHead) and not loaded.training
    torch.testing.assert_close(loaded(torch.from_numpy(X)), net(torch.from_numpy(X)))
    assert vtsserving.pytorch.get("net") == model


def test_torchscript_round_trip_and_runner(net: TwoHead) -> None:
    scripted = torch.jit.script(net)
    model = vtsserving.pytorch.save_model("scripted", scripted, signatures={"__call__": {"batchable": True}})
    assert model.info.options == {"format": "torchscript"}
    loaded = vtsserving.pytorch.load_model(model)
    assert isinstance(loaded, torch.jit.ScriptModule)
    runner = model.to_runner()
    runner.init_local()
    assert runner.runnable_class.methods["__call__"].batchable
    out = runner.__call__.run(X)  # numpy in, tensor out
    torch.testing.assert_close(out, net(torch.from_numpy(X)).detach())


def test_other_method_names(net: TwoHead) -> None:
    model = vtsserving.pytorch.save_model(
        "net", net, signatures={"probabilities": {"batchable": True, "batch_dim": 0}, "forward": {}}
    )
    runner = model.to_runner(name="twohead")
    runner.init_local()
    probs = runner.probabilities.run(torch.from_numpy(X))
    torch.testing.assert_close(probs.sum(dim=-1), torch.ones(5))
    assert runner.forward.run(X).shape == (5, 3)


def test_bad_input(net: TwoHead) -> None:
    with pytest.raises(InvalidArgument, match="expects a torch.nn.Module, got dict"):
        vtsserving.pytorch.save_model("net", {"not": "a module"})
    with pytest.raises(InvalidArgument, match="has no method 'predict'"):
        vtsserving.pytorch.save_model("net", net, signatures={"predict": {}})
    with pytest.raises(InvalidArgument, match="name '../x' is invalid"):
        vtsserving.pytorch.save_model("../x", net)
    assert vtsserving.models.list() == []
    from sklearn.dummy import DummyClassifier

    vtsserving.sklearn.save_model("clf", DummyClassifier().fit([[0]], [0]))
    with pytest.raises(InvalidArgument, match="saved by 'vtsserving.sklearn'"):
        vtsserving.pytorch.load_model("clf")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (checked on an H100 by hand)")
def test_runnable_uses_cuda_and_returns_cpu_tensors(net: TwoHead) -> None:
    model = vtsserving.pytorch.save_model("net", net)
    assert next(vtsserving.pytorch.load_model(model, device_id="cuda").parameters()).is_cuda
    runner = model.to_runner()
    runner.init_local()
    assert runner.runnable.device == "cuda"
    out = runner.__call__.run(X)
    assert out.device.type == "cpu"
    torch.testing.assert_close(out, net(torch.from_numpy(X)).detach(), rtol=1e-3, atol=1e-4)
