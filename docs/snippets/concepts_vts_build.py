"""Build a vts from Python (docs: concepts/vts.md); run in an empty folder."""

from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

X, y = load_iris(return_X_y=True)
vtsserving.sklearn.save_model("iris_clf", LogisticRegression(max_iter=1000).fit(X, y))
Path("service.py").write_text(
    """\
import vtsserving
from vtsserving.io import NumpyNdarray

runner = vtsserving.models.get("iris_clf:latest").to_runner()
svc = vtsserving.Service("iris_classifier", runners=[runner])


@svc.api(input=NumpyNdarray(), output=NumpyNdarray())
def predict(rows):
    return runner.predict.run(rows)
"""
)

# --8<-- [start:build]
vts = vtsserving.build(
    "service:svc",
    name="iris_classifier",
    include=["*.py"],
    python={"packages": ["scikit-learn"]},
    labels={"owner": "ml-team"},
)
print(vts.tag)
# --8<-- [end:build]

# --8<-- [start:store]
assert vtsserving.vts.get("iris_classifier:latest") == vts
assert vtsserving.vts.list("iris_classifier")[-1].tag == vts.tag
# --8<-- [end:store]

built = Path(vts.path)
assert (built / "vts.yaml").is_file()
assert any((built / "models" / "iris_clf").iterdir())
assert (built / "src" / "service.py").is_file()
