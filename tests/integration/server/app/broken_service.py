"""A service module that fails to import (loader error tests)."""

import vtsserving

raise ValueError("the model path /nowhere does not exist")

svc = vtsserving.Service("broken")
