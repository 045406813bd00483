# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Travel matrices: plain Python, no server.

``osrm_matrix`` talks to a local stub of the OSRM ``table`` service (an
http.server thread on 127.0.0.1) that answers from a known matrix, so the
figures, the block-by-block requests and the error messages are checked
against what the service said."""

import json
import math
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy
import pytest

from scripts.bench_dispatch import load_tools

travel, _planner = load_tools()

# (latitude, longitude) of five points; the stub's road figures below
POINTS = [(48.85, 2.35), (48.86, 2.30), (48.80, 2.40), (48.90, 2.25), (48.83, 2.37)]


def road_seconds(i, j):
    return 0.0 if i == j else 60.0 * (1 + i) + 7.0 * j


def road_metres(i, j):
    return 0.0 if i == j else 1000.0 * (2 + j) + 10.0 * i


class Stub:
    """An OSRM ``table`` service for POINTS; ``answer`` may replace the
    reply with (status, body)."""

    def __init__(self):
        self.requests = []
        self.answer = None
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                stub.requests.append(self.path)
                status, body = stub.answer or stub.table(self.path)
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )
        self.thread.start()

    def table(self, path):
        parsed = urllib.parse.urlsplit(path)
        assert parsed.path.startswith("/table/v1/driving/")
        coords = urllib.parse.unquote(parsed.path.rsplit("/", 1)[1]).split(";")
        indexes = []
        for pair in coords:
            lon, lat = (float(x) for x in pair.split(","))
            indexes.append(
                next(
                    i
                    for i, (plat, plon) in enumerate(POINTS)
                    if abs(plat - lat) < 1e-6 and abs(plon - lon) < 1e-6
                )
            )
        query = urllib.parse.parse_qs(parsed.query)
        assert query["annotations"] == ["duration,distance"]
        positions = range(len(indexes))
        sources, targets = list(positions), list(positions)
        if "sources" in query:
            sources = [int(x) for x in query["sources"][0].split(";")]
        if "destinations" in query:
            targets = [int(x) for x in query["destinations"][0].split(";")]
        rows = [indexes[s] for s in sources]
        cols = [indexes[t] for t in targets]
        return 200, {
            "code": "Ok",
            "durations": [[road_seconds(i, j) for j in cols] for i in rows],
            "distances": [[road_metres(i, j) for j in cols] for i in rows],
        }

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def stub():
    server = Stub()
    yield server
    server.close()


def expected():
    size = len(POINTS)
    minutes = [[road_seconds(i, j) / 60.0 for j in range(size)] for i in range(size)]
    km = [[road_metres(i, j) / 1000.0 for j in range(size)] for i in range(size)]
    return numpy.array(minutes), numpy.array(km)


def test_osrm_matrix_in_one_request(stub):
    matrix = travel.osrm_matrix(POINTS, stub.url + "/")
    minutes, km = expected()
    numpy.testing.assert_allclose(matrix.minutes, minutes)
    numpy.testing.assert_allclose(matrix.km, km)
    assert len(stub.requests) == 1
    assert "sources=" not in stub.requests[0]
    # OSRM wants longitude first, six decimals
    assert "/table/v1/driving/2.350000,48.850000;2.300000,48.860000;" in (
        urllib.parse.unquote(stub.requests[0])
    )


def test_osrm_matrix_block_by_block(stub):
    matrix = travel.osrm_matrix(POINTS, stub.url, chunk=4)
    minutes, km = expected()
    numpy.testing.assert_allclose(matrix.minutes, minutes)
    numpy.testing.assert_allclose(matrix.km, km)
    # 5 points, blocks of 2: 3 x 3 requests, each with sources and targets
    assert len(stub.requests) == 9
    assert all("sources=" in r and "destinations=" in r for r in stub.requests)


def test_osrm_matrix_reports_the_services_error(stub):
    stub.answer = (400, {"code": "InvalidQuery", "message": "Query string malformed"})
    with pytest.raises(travel.TravelError) as error:
        travel.osrm_matrix(POINTS, stub.url)
    assert "HTTP 400: InvalidQuery Query string malformed" in str(error.value)


def test_osrm_matrix_reports_a_plain_http_error(stub):
    stub.answer = (502, "<html>Bad gateway</html>")
    with pytest.raises(travel.TravelError) as error:
        travel.osrm_matrix(POINTS, stub.url)
    assert str(error.value).startswith("the routing service answered HTTP 502 (")


def test_osrm_matrix_reports_a_refused_table(stub):
    stub.answer = (200, {"code": "NoTable", "message": "too many points"})
    with pytest.raises(travel.TravelError) as error:
        travel.osrm_matrix(POINTS, stub.url)
    assert str(error.value) == (
        "the routing service refused the table request: NoTable too many points"
    )


def test_osrm_matrix_reports_a_missing_route(stub):
    minutes = [[road_seconds(i, j) for j in range(5)] for i in range(5)]
    minutes[1][3] = None
    stub.answer = (
        200,
        {
            "code": "Ok",
            "durations": minutes,
            "distances": [[road_metres(i, j) for j in range(5)] for i in range(5)],
        },
    )
    with pytest.raises(travel.TravelError) as error:
        travel.osrm_matrix(POINTS, stub.url)
    assert str(error.value) == (
        "the routing service found no route (duration) from point 1 to point 3"
    )


def test_osrm_matrix_needs_a_url():
    with pytest.raises(travel.TravelError) as error:
        travel.osrm_matrix(POINTS, "")
    assert str(error.value) == "no routing service URL is set"


def test_great_circle_matrix_figures():
    # Paris (48.8566, 2.3522) to Lyon (45.7640, 4.8357): haversine by hand
    paris, lyon = (48.8566, 2.3522), (45.7640, 4.8357)
    lat1, lon1, lat2, lon2 = map(math.radians, (*paris, *lyon))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    km = 12742.0 * math.asin(math.sqrt(a))
    assert km == pytest.approx(391.5, abs=0.5)  # the published great-circle km
    matrix = travel.great_circle_matrix([paris, lyon], speed_kmh=60.0, detour=1.25)
    assert matrix.km[0][1] == pytest.approx(km * 1.25)
    assert matrix.km[1][0] == pytest.approx(km * 1.25)
    assert matrix.minutes[0][1] == pytest.approx(km * 1.25)  # 60 km/h: 1 km/min
    assert matrix.km[0][0] == 0.0 and matrix.minutes[1][1] == 0.0
    # one degree of latitude on the meridian: 12742 x pi / 360 km
    meridian = travel.great_circle_matrix([(0.0, 0.0), (1.0, 0.0)], detour=1.0)
    assert meridian.km[0][1] == pytest.approx(12742.0 * math.pi / 360.0)
    assert meridian.minutes[0][1] == pytest.approx(meridian.km[0][1] * 60.0 / 40.0)


def test_great_circle_matrix_refuses_bad_figures():
    with pytest.raises(travel.TravelError) as error:
        travel.great_circle_matrix(POINTS, speed_kmh=0)
    assert str(error.value) == "the average speed must be positive, got 0"
    with pytest.raises(travel.TravelError) as error:
        travel.great_circle_matrix(POINTS, detour=0.9)
    assert str(error.value) == "the detour factor must be at least 1, got 0.9"
    with pytest.raises(travel.TravelError) as error:
        travel.great_circle_matrix([(48.8, float("nan"))])
    assert str(error.value) == "points contain a missing or infinite coordinate"


def test_euclidean_matrix_figures():
    matrix = travel.euclidean_matrix([(0, 0), (3, 4), (6, 8)])
    assert matrix.minutes[0][1] == 5.0 and matrix.km[0][2] == 10.0
    assert matrix.minutes[2][1] == 5.0 and len(matrix) == 3


def test_whole_minutes_rounds_travel_up_and_keeps_km():
    matrix = travel.TravelMatrix(
        minutes=numpy.array([[0.0, 12.2], [59.9999999999, 3.0]]),
        km=numpy.array([[0.0, 8.1], [40.0, 2.0]]),
    )
    rounded = travel.whole_minutes(matrix)
    assert rounded.minutes.tolist() == [[0.0, 13.0], [60.0, 3.0]]
    assert rounded.km is matrix.km
