"""Import the registered model into VtsServing three ways: by version, by stage and by alias."""

import vtsserving

REGISTERED_NAME = "sk-learn-random-forest-reg-model"
VTS_NAME = "my_mlflow_model"


def main() -> None:
    # Import from a version:
    model_name = REGISTERED_NAME
    model_version = 1
    model_uri = f"models:/{model_name}/{model_version}"
    print(vtsserving.mlflow.import_model(VTS_NAME, model_uri))

    # Import from a stage:
    stage = "Staging"
    model_uri = f"models:/{model_name}/{stage}"
    print(vtsserving.mlflow.import_model(VTS_NAME, model_uri))

    # Import from an alias:
    alias = "champion"
    model_uri = f"models:/{model_name}@{alias}"
    print(vtsserving.mlflow.import_model(VTS_NAME, model_uri))


if __name__ == "__main__":
    main()
