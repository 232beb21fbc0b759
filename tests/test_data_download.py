"""The downloader against a real HTTP server on 127.0.0.1 serving files the tests write.

Nothing here touches the real network or the user's cache: mirrors point at the local server
(GANSTUDIO_MIRRORS) and the cache is a temporary folder (GANSTUDIO_DATA_DIR).
"""

import gzip
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from ganstudio.data import DatasetError, OfflineError, load_dataset
from ganstudio.data.download import mirrors_from_env
from ganstudio.data.idx import encode_idx

IMAGES, LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


class Handler(BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (status, body, behaviour)``; behaviour "drop" sends the
    full Content-Length but closes the connection halfway through the body."""

    def do_GET(self):
        self.server.requests.append(self.path)
        status, body, behaviour = self.server.routes.get(self.path, (404, b"", None))
        if status != 200:
            self.send_error(status)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if behaviour == "drop" else body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.routes, httpd.requests = {}, []
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache folder; proxies bypassed for the local server."""
    monkeypatch.setenv("GANSTUDIO_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def full_size_files():
    """A structurally exact training set (60,000 x 28 x 28 and 60,000 labels) and test set
    (10,000), gzipped; mostly zeros, so they compress fast."""
    files = {}
    for (images_name, labels_name), n in (((IMAGES, LABELS), 60000), ((TEST_IMAGES, TEST_LABELS), 10000)):
        images = np.zeros((n, 28, 28), np.uint8)
        images[:, 14, 14] = np.arange(n) % 256
        files[images_name] = gzip.compress(encode_idx(images), compresslevel=1)
        files[labels_name] = gzip.compress(encode_idx((np.arange(n) % 10).astype(np.uint8)), compresslevel=1)
    return files


def training_files(files):
    return {name: files[name] for name in (IMAGES, LABELS)}


def serve(server, prefix, files, behaviour=None, status=200):
    for name, body in files.items():
        server.routes[f"/{prefix}/{name}"] = (status, body, behaviour)
    return f"{server.url}/{prefix}/"


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_mirror_list_from_the_environment(monkeypatch):
    monkeypatch.setenv("GANSTUDIO_MIRRORS", "http://a.example/x, http://b.example/y/\n  http://c.example")
    assert mirrors_from_env(["http://default/"]) == (
        "http://a.example/x/",
        "http://b.example/y/",
        "http://c.example/",
    )
    monkeypatch.setenv("GANSTUDIO_MIRRORS", " ")
    assert mirrors_from_env(["http://default"]) == ("http://default/",)


def test_download_then_cache_hit(server, cache, monkeypatch, full_size_files):
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "fashion", full_size_files))
    calls = []
    dataset = load_dataset("fashion-mnist", progress=lambda done, total: calls.append((done, total)))
    assert dataset.x.shape == (60000, 784)
    assert dataset.labels[:12].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert dataset.held_out.shape == (10000, 784) and dataset.held_out_note == ""
    assert leftovers(cache) == sorted([TEST_IMAGES, TEST_LABELS, IMAGES, LABELS])
    assert server.requests == [f"/fashion/{name}" for name in (IMAGES, LABELS, TEST_IMAGES, TEST_LABELS)]
    # Progress: starts at 0 with the announced size, ends at the size, for each file.
    sizes = [len(full_size_files[IMAGES]), len(full_size_files[TEST_LABELS])]
    assert calls[0] == (0, sizes[0]) and (sizes[0], sizes[0]) in calls and calls[-1] == (sizes[1], sizes[1])

    again = load_dataset("fashion-mnist", classes=[4])
    assert len(server.requests) == 4  # served from the cache
    assert len(again) == 6000 and len(again.held_out) == 1000


def test_a_test_set_no_mirror_serves_leaves_training_whole(server, cache, monkeypatch, full_size_files):
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "train-only", training_files(full_size_files)))
    dataset = load_dataset("kmnist")
    assert len(dataset) == 60000 and dataset.held_out is None
    assert dataset.held_out_note == "KMNIST's test set could not be downloaded (no mirror served the file)"
    assert leftovers(cache) == [IMAGES, LABELS]


@pytest.mark.real_mnist("its byte-exact files, served as a download")
def test_real_mnist_download_is_verified_by_checksum(server, cache, monkeypatch, mnist_dir):
    files = {name: (mnist_dir / name).read_bytes() for name in (IMAGES, LABELS, TEST_IMAGES, TEST_LABELS)}
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "mnist", files))
    dataset = load_dataset("mnist", classes=[0])
    assert len(dataset) == 5923 and len(dataset.held_out) == 980  # MNIST's test set has 980 zeros
    assert (cache / "mnist" / IMAGES).read_bytes() == files[IMAGES]
    assert (cache / "mnist" / TEST_IMAGES).read_bytes() == files[TEST_IMAGES]


@pytest.mark.real_mnist("its training set, served beside a test set that is not MNIST's")
def test_a_test_set_failing_its_checksum_is_not_kept(server, cache, monkeypatch, mnist_dir, full_size_files):
    files = {name: (mnist_dir / name).read_bytes() for name in (IMAGES, LABELS)}
    fake_test = {name: full_size_files[name] for name in (TEST_IMAGES, TEST_LABELS)}  # right shape, not MNIST's
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "mnist", files | fake_test))
    dataset = load_dataset("mnist")
    assert len(dataset) == 60000 and dataset.held_out is None
    assert f"{TEST_IMAGES}: checksum mismatch" in dataset.held_out_note
    assert leftovers(cache) == [IMAGES, LABELS]


def test_checksum_mismatch_leaves_nothing(server, cache, monkeypatch, full_size_files):
    # A structurally perfect file that is not MNIST.
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "fake", full_size_files))
    with pytest.raises(DatasetError, match=f"{IMAGES}: .*checksum mismatch") as caught:
        load_dataset("mnist")
    assert not isinstance(caught.value, OfflineError)
    assert leftovers(cache) == []


def test_a_different_structure_is_refused(server, cache, monkeypatch):
    small = {
        IMAGES: gzip.compress(encode_idx(np.zeros((100, 28, 28), np.uint8))),
        LABELS: gzip.compress(encode_idx(np.zeros(100, np.uint8))),
    }
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "small", small))
    with pytest.raises(DatasetError, match=r"expected \(60000, 28, 28\) uint8 for KMNIST, found \(100, 28, 28\)"):
        load_dataset("kmnist")
    assert leftovers(cache) == []


def test_server_error(server, cache, monkeypatch, full_size_files):
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "broken", full_size_files, status=500))
    with pytest.raises(OfflineError, match="HTTP 500") as caught:
        load_dataset("kmnist")
    assert "synthetic-digits" in str(caught.value) and str(cache / "kmnist") in str(caught.value)
    assert caught.value.headline == "KMNIST could not be downloaded: no mirror served the file."
    assert leftovers(cache) == []


def test_connection_dropped_mid_file(server, cache, monkeypatch, full_size_files):
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "flaky", full_size_files, behaviour="drop"))
    with pytest.raises(OfflineError):
        load_dataset("fashion-mnist")
    assert leftovers(cache) == []  # not even a partial temporary file


def test_next_mirror_after_a_failure(server, cache, monkeypatch, full_size_files):
    bad = serve(server, "drop", full_size_files, behaviour="drop")
    missing = f"{server.url}/nothing-here/"
    good = serve(server, "good", full_size_files)
    monkeypatch.setenv("GANSTUDIO_MIRRORS", f"{bad} {missing},{good}")
    assert len(load_dataset("kmnist", size=10)) == 10
    assert server.requests == [
        f"/{prefix}/{name}" for name in (IMAGES, LABELS, TEST_IMAGES, TEST_LABELS) for prefix in ("drop", "nothing-here", "good")
    ]
    assert leftovers(cache) == sorted([TEST_IMAGES, TEST_LABELS, IMAGES, LABELS])


def test_only_missing_files_are_fetched(server, cache, monkeypatch, full_size_files):
    (cache / "fashion-mnist").mkdir(parents=True)
    (cache / "fashion-mnist" / IMAGES).write_bytes(full_size_files[IMAGES])
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "f", full_size_files))
    load_dataset("fashion-mnist", size=5)
    assert server.requests == [f"/f/{LABELS}", f"/f/{TEST_IMAGES}", f"/f/{TEST_LABELS}"]


def test_cancel_from_the_progress_callback(server, cache, monkeypatch, full_size_files):
    monkeypatch.setenv("GANSTUDIO_MIRRORS", serve(server, "f", full_size_files))

    class Cancelled(Exception):
        pass

    def progress(done, total):
        if done > 100_000:
            raise Cancelled

    with pytest.raises(Cancelled):
        load_dataset("fashion-mnist", progress=progress)
    assert leftovers(cache) == []


def test_no_mirror_reachable(cache, monkeypatch, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GANSTUDIO_MIRRORS", f"http://127.0.0.1:{port}/")
    with pytest.raises(OfflineError) as caught:
        load_dataset("mnist", data_dir=tmp_path / "elsewhere")
    message = str(caught.value)
    for part in (IMAGES, LABELS, str(tmp_path / "elsewhere" / "mnist"), "synthetic-digits"):
        assert part in message
    assert caught.value.headline == "MNIST could not be downloaded: no mirror answered."
    assert leftovers(tmp_path / "elsewhere") == []


def test_no_name_resolving_is_no_network(cache, monkeypatch):
    monkeypatch.setenv("GANSTUDIO_MIRRORS", "http://mirror.invalid/ http://other.invalid/")  # .invalid never resolves
    with pytest.raises(OfflineError) as caught:
        load_dataset("mnist")
    assert caught.value.headline == "MNIST could not be downloaded: no network."
    assert "mirror.invalid" in str(caught.value) and "other.invalid" in str(caught.value)
