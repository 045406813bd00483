# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Travel matrices (minutes and km) for a list of points: plain Python + numpy.

Three sources, all returning a :class:`TravelMatrix`:

- :func:`great_circle_matrix`: haversine distance x a detour factor, driven at
  an average speed (the default when no routing service is configured);
- :func:`osrm_matrix`: road times and distances from a routing service that
  speaks the OSRM ``table`` API;
- :func:`euclidean_matrix`: plane coordinates where one distance unit takes
  one minute (the published VRPTW benchmark instances).

A matrix is built once per planning run and never kept between calls: this
module holds no cache.
"""

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import numpy

EARTH_DIAMETER_KM = 12742.0
# rows computed at once: bounds the temporaries for thousands of points
_BLOCK = 256


class TravelError(Exception):
    """The matrix could not be built; the message says what failed."""


@dataclass(frozen=True)
class TravelMatrix:
    minutes: numpy.ndarray  # n x n float, travel time from point i to point j
    km: numpy.ndarray  # n x n float

    def __len__(self):
        return len(self.minutes)


def whole_minutes(matrix):
    """``matrix`` with its travel times rounded up to whole minutes: plans
    made with it book visits on the minute, and never tighter than the
    original times allow."""
    minutes = numpy.ceil(numpy.asarray(matrix.minutes, dtype=float) - 1e-9)
    return TravelMatrix(minutes=numpy.maximum(minutes, 0.0), km=matrix.km)


def _as_array(points, what):
    array = numpy.asarray(points, dtype=float)
    if array.size == 0:
        return array.reshape(0, 2)
    if array.ndim != 2 or array.shape[1] != 2:
        raise TravelError(f"{what} must be a list of pairs, got shape {array.shape}")
    if not numpy.isfinite(array).all():
        raise TravelError(f"{what} contain a missing or infinite coordinate")
    return array


def great_circle_matrix(points, *, speed_kmh=40.0, detour=1.3):
    """Haversine km x ``detour``; minutes = km / ``speed_kmh`` x 60.

    ``points``: list of (latitude, longitude) in degrees."""
    if speed_kmh <= 0:
        raise TravelError(f"the average speed must be positive, got {speed_kmh}")
    if detour < 1:
        raise TravelError(f"the detour factor must be at least 1, got {detour}")
    array = _as_array(points, "points")
    lat = numpy.radians(array[:, 0])
    lon = numpy.radians(array[:, 1])
    cos_lat = numpy.cos(lat)
    size = len(array)
    km = numpy.empty((size, size), dtype=float)
    for first in range(0, size, _BLOCK):
        rows = slice(first, min(first + _BLOCK, size))
        a = (
            numpy.sin((lat[None, :] - lat[rows, None]) / 2) ** 2
            + cos_lat[rows, None]
            * cos_lat[None, :]
            * numpy.sin((lon[None, :] - lon[rows, None]) / 2) ** 2
        )
        numpy.clip(a, 0.0, 1.0, out=a)
        km[rows] = EARTH_DIAMETER_KM * detour * numpy.arcsin(numpy.sqrt(a))
    numpy.fill_diagonal(km, 0.0)
    minutes = km * (60.0 / speed_kmh)
    return TravelMatrix(minutes=minutes, km=km)


def euclidean_matrix(points):
    """Plane (x, y) points: minutes = km = the Euclidean distance."""
    array = _as_array(points, "points")
    size = len(array)
    dist = numpy.empty((size, size), dtype=float)
    for first in range(0, size, _BLOCK):
        rows = slice(first, min(first + _BLOCK, size))
        delta = array[rows, None, :] - array[None, :, :]
        dist[rows] = numpy.sqrt((delta**2).sum(axis=2))
    return TravelMatrix(minutes=dist, km=dist.copy())


def _osrm_get(url, timeout):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        try:
            payload = json.loads(error.read() or b"{}")
            detail = ": {} {}".format(
                payload.get("code", ""), payload.get("message", "")
            ).rstrip()
        except (ValueError, AttributeError):
            detail = ""  # not OSRM's JSON error: the status says enough
        raise TravelError(
            f"the routing service answered HTTP {error.code}{detail} ({url})"
        ) from error
    except urllib.error.URLError as error:
        raise TravelError(
            f"the routing service at {url} cannot be reached: {error.reason}"
        ) from error
    except TimeoutError as error:
        raise TravelError(
            f"the routing service at {url} did not answer within {timeout:g} s"
        ) from error
    except OSError as error:
        raise TravelError(
            f"the routing service at {url} cannot be reached: {error}"
        ) from error
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise TravelError(
            f"the routing service at {url} did not answer in JSON"
        ) from error
    if not isinstance(payload, dict):
        raise TravelError(f"the routing service at {url} answered no table")
    if payload.get("code") != "Ok":
        raise TravelError(
            "the routing service refused the table request: {} {}".format(
                payload.get("code"), payload.get("message", "")
            ).rstrip()
        )
    return payload


def _osrm_block(payload, key, rows, cols, url):
    table = payload.get(key)
    if not isinstance(table, list) or len(table) != rows:
        raise TravelError(f"the routing service answered no '{key}' table ({url})")
    try:
        array = numpy.array(table, dtype=float)
    except (TypeError, ValueError) as error:
        raise TravelError(
            f"the routing service answered a malformed '{key}' table ({url})"
        ) from error
    if array.shape != (rows, cols):
        raise TravelError(
            f"the routing service answered a {key} table of shape "
            f"{array.shape}, expected {(rows, cols)} ({url})"
        )
    return array


def osrm_matrix(points, url, *, timeout=10.0, chunk=100):
    """Road travel from an OSRM ``table`` service.

    ``points``: list of (latitude, longitude). ``url``: the service root, e.g.
    ``https://router.example.com``; the request is
    ``{url}/table/v1/driving/{lon},{lat};...?annotations=duration,distance``.
    More than ``chunk`` points are asked block by block (OSRM limits the
    table size). Any failure raises :class:`TravelError`."""
    if not url:
        raise TravelError("no routing service URL is set")
    array = _as_array(points, "points")
    size = len(array)
    minutes = numpy.zeros((size, size), dtype=float)
    km = numpy.zeros((size, size), dtype=float)
    if size == 0:
        return TravelMatrix(minutes=minutes, km=km)
    root = url.rstrip("/")
    half = max(chunk // 2, 1)
    step = chunk if size <= chunk else half
    blocks = [list(range(i, min(i + step, size))) for i in range(0, size, step)]
    for sources in blocks:
        for targets in blocks:
            if size <= chunk:
                indexes, query = sources, ""
            else:
                indexes = sources + [t for t in targets if t not in sources]
                positions = {p: i for i, p in enumerate(indexes)}
                query = "&sources={}&destinations={}".format(
                    ";".join(str(positions[s]) for s in sources),
                    ";".join(str(positions[t]) for t in targets),
                )
            coords = ";".join(f"{array[i, 1]:.6f},{array[i, 0]:.6f}" for i in indexes)
            request = (
                f"{root}/table/v1/driving/{urllib.parse.quote(coords, safe=',;.-')}"
                f"?annotations=duration,distance{query}"
            )
            payload = _osrm_get(request, timeout)
            rows, cols = len(sources), len(targets)
            durations = _osrm_block(payload, "durations", rows, cols, request)
            distances = _osrm_block(payload, "distances", rows, cols, request)
            for name, block in (("duration", durations), ("distance", distances)):
                missing = numpy.argwhere(numpy.isnan(block))
                if len(missing):
                    i, j = missing[0]
                    raise TravelError(
                        f"the routing service found no route ({name}) from "
                        f"point {sources[i]} to point {targets[j]}"
                    )
            minutes[numpy.ix_(sources, targets)] = durations / 60.0
            km[numpy.ix_(sources, targets)] = distances / 1000.0
            if size <= chunk:
                break
        if size <= chunk:
            break
    return TravelMatrix(minutes=minutes, km=km)


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle km between two points (no detour)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (lat1, lon1, lat2, lon2))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return EARTH_DIAMETER_KM * math.asin(math.sqrt(min(a, 1.0)))
