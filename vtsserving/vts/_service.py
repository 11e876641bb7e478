"""Import the service of a built vts, with the models that were built into it."""

from __future__ import annotations

from ..home import model_store_override
from ..service import Service, import_service
from .vts import Vts


def load_service(vts: Vts) -> Service:
    """The service of `vts`, imported from its `src/` with its `models/` as the model store.

    The override lasts only while the service module is imported: the models it looks up then
    keep their paths inside the vts, and the rest of the process still sees its own store.
    """
    with model_store_override(vts.path_of("models")):
        return import_service(vts.info.service, vts.path_of("src"))
