"""Save, find, load and run a model with the model store (docs: concepts/models.md)."""

from sklearn.datasets import load_iris
from sklearn.svm import SVC

import vtsserving

X, y = load_iris(return_X_y=True)

# --8<-- [start:save]
clf = SVC(probability=True).fit(X, y)

model = vtsserving.sklearn.save_model(
    "iris_clf",
    clf,
    signatures={"predict": {"batchable": True}, "predict_proba": {"batchable": True}},
    labels={"owner": "ml-team", "stage": "dev"},
    metadata={"accuracy": clf.score(X, y)},
)
print(model.tag)  # iris_clf:<a new version>
# --8<-- [end:save]

# --8<-- [start:get]
model = vtsserving.models.get("iris_clf:latest")
print(model.path)  # $VTSSERVING_HOME/models/iris_clf/<version>
print(model.info.module, model.info.labels, model.info.metadata)
print(sorted(model.info.signatures))  # ['predict', 'predict_proba']

same_estimator = vtsserving.sklearn.load_model("iris_clf:latest")
print(same_estimator.predict(X[:1]))  # [0]
# --8<-- [end:get]
assert model.info.labels == {"owner": "ml-team", "stage": "dev"}
assert sorted(model.info.signatures) == ["predict", "predict_proba"]
assert same_estimator.predict(X[:1]).tolist() == [0]

# --8<-- [start:list]
for item in vtsserving.models.list("iris_clf"):
    print(item.tag, item.info.creation_time)
# --8<-- [end:list]
assert len(vtsserving.models.list("iris_clf")) == 1
