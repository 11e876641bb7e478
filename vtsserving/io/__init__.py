"""IO descriptors: how an API reads its request and writes its response."""

from .base import IODescriptor
from .file import File
from .image import Image
from .json import JSON
from .multipart import Multipart
from .numpy import NumpyNdarray
from .pandas import PandasDataFrame, PandasSeries
from .text import Text

__all__ = [
    "JSON",
    "File",
    "IODescriptor",
    "Image",
    "Multipart",
    "NumpyNdarray",
    "PandasDataFrame",
    "PandasSeries",
    "Text",
]
