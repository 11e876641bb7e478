"""Run with the side venv that has the kserve SDK: an InferenceService (JSON on stdin) is built from
the SDK's models and serialized back to stdout. A field the SDK does not define is an error (exit 3).

The SDK pins pandas<3 and protobuf<7, so it lives in its own venv (`scripts/test.sh` makes
`.venv-kserve`), not in the suite's.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any


def sdk_object(data: Any, type_name: str) -> Any:
    """Build the SDK model `type_name` from JSON data, as the API server would decode it.

    kserve's own ApiClient cannot look up the kubernetes client's models (V1Container, ...), so
    the lookup searches both packages.
    """
    import kserve.models
    import kubernetes.client.models as k8s_models

    if data is None:
        return None
    if match := re.fullmatch(r"(?:list|List)\[(.*)\]", type_name):
        return [sdk_object(item, match[1]) for item in data]
    if match := re.fullmatch(r"(?:dict\(|Dict\[)[^,]*, (.*)[\])]", type_name):
        return {key: sdk_object(value, match[1]) for key, value in data.items()}
    if type_name in ("str", "int", "float", "bool", "object", "date", "datetime"):
        return data
    cls = getattr(kserve.models, type_name, None) or getattr(k8s_models, type_name)
    by_key = {key: attr for attr, key in cls.attribute_map.items()}
    unknown = set(data) - set(by_key)
    if unknown:
        print(f"{type_name} has no field {sorted(unknown)}", file=sys.stderr)
        sys.exit(3)
    return cls(**{by_key[k]: sdk_object(v, cls.openapi_types[by_key[k]]) for k, v in data.items()})


def main() -> None:
    from kserve import ApiClient

    obj = sdk_object(json.load(sys.stdin), "V1beta1InferenceService")
    assert type(obj).__name__ == "V1beta1InferenceService"
    json.dump(ApiClient().sanitize_for_serialization(obj), sys.stdout)


if __name__ == "__main__":
    main()
