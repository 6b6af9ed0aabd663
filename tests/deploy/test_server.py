"""The prediction server, started with `python -m dlkit serve` on 127.0.0.1 and talked to with a real HTTP client.

Every bad request gets a 4xx whose message names what was expected and what came; fuzzing finds no 500.
"""

from __future__ import annotations

import concurrent.futures
import json
from collections import Counter

import httpx
import numpy as np
import pytest
import torch
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlkit.deploy.export import load_task
from dlkit.deploy.server import BadRequest, ServedModel, create_app, parse_instances, BackgroundServer

IMAGE = np.linspace(-1, 1, 64).reshape(1, 8, 8).tolist()  # one valid instance: (1, 8, 8)


def test_health_status_metadata_and_openapi(server):
    assert httpx.get(f"{server}/health").json() == {"status": "ok", "models": ["digits"]}
    status = httpx.get(f"{server}/v1/models/digits").json()
    assert status["model_version_status"][0]["state"] == "AVAILABLE"
    meta = httpx.get(f"{server}/v1/models/digits/metadata").json()
    assert meta["metadata"]["instance_shape"] == [1, 8, 8] and meta["metadata"]["max_instances"] == 16
    schema = httpx.get(f"{server}/openapi.json").json()
    assert "/v1/models/{name}:predict" in schema["paths"]
    body = schema["paths"]["/v1/models/{name}:predict"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["instances"]["maxItems"] == 16


def test_predictions_are_the_checkpoints_probabilities(server, digits_checkpoint):
    x = torch.randn(5, 1, 8, 8)
    response = httpx.post(f"{server}/v1/models/digits:predict", json={"instances": x.tolist()})
    assert response.status_code == 200, response.text
    predictions = torch.tensor(response.json()["predictions"])
    with torch.no_grad():
        expected = load_task(digits_checkpoint).predictions(load_task(digits_checkpoint)(x))
    torch.testing.assert_close(predictions, expected, rtol=1e-5, atol=1e-6)  # JSON floats: 17 digits, float32


def _instances(value) -> str:
    return json.dumps({"instances": value})


BAD_REQUESTS = {  # name: (path, body bytes or str, extra headers, expected status, words the error must contain)
    "malformed JSON": ("digits", '{"instances": [1, 2', {}, 400, ["Expected a JSON body", "malformed JSON"]),
    "not JSON at all": ("digits", b"\xff\xfe\x00", {}, 400, ["Expected a JSON body", "malformed"]),
    "no instances key": ("digits", '{"inputs": []}', {}, 400, ["Expected a JSON object", "keys ['inputs']"]),
    "a list, not an object": ("digits", "[1, 2, 3]", {}, 400, ["Expected a JSON object", "[1, 2, 3] (list)"]),
    "an extra key": ("digits", '{"instances": [], "x": 1}', {}, 400, ["Expected only the keys", "['x']"]),
    "signature_name not a string": ("digits", '{"instances": [], "signature_name": 1}', {}, 400,
                                    ["Expected 'signature_name' to be a string", "1 (int)"]),
    "empty instances": ("digits", _instances([]), {}, 400, ["non-empty list", "an empty list"]),
    "instances not a list": ("digits", _instances(3), {}, 400, ["non-empty list", "3 (int)"]),
    "wrong shape": ("digits", _instances([[[0.0] * 8] * 8]), {}, 422, ["shape (1, 8, 8)", "got instances[0] of shape (8, 8)"]),
    "ragged instance": ("digits", _instances([[[[0.0] * 8] * 7 + [[0.0] * 9]]]), {}, 422,
                        ["Expected a list of 8 at instances[0][0][7]", "a list of 9"]),
    "wrong type": ("digits", _instances([[[["a"] * 8] * 8]]), {}, 422,
                   ["Expected a number at instances[0][0][0][0]", '"a" (str)']),
    "a boolean": ("digits", _instances([[[[True] * 8] * 8]]), {}, 422, ["Expected a number", "true (bool)"]),
    "NaN": ("digits", _instances([[[[0.0] * 7 + [float("nan")]] + [[0.0] * 8] * 7]]), {}, 422,
            ["Expected finite numbers", "nan at instances[0][0][0][7]"]),
    "infinity": ("digits", _instances([[[[float("inf")] * 8] * 8]]), {}, 422, ["Expected finite numbers", "inf"]),
    "beyond float32": ("digits", _instances([[[[1e39] * 8] * 8]]), {}, 422, ["outside float32's range"]),
    "too many instances": ("digits", _instances([IMAGE] * 17), {}, 413, ["at most 16 instances", "got 17"]),
    "oversized body": ("digits", "x" * 200_001, {}, 413, ["at most 200000 bytes", "got 200001"]),
    "unknown model": ("cats", _instances([IMAGE]), {}, 404, ["Expected a model name in ['digits']", "'cats'"]),
}


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=list(BAD_REQUESTS))
def test_every_bad_request_gets_a_4xx_naming_expected_and_got(server, case):
    name, body, headers, status, words = BAD_REQUESTS[case]
    response = httpx.post(f"{server}/v1/models/{name}:predict", content=body, headers=headers)
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert "Expected" in message and "got" in message, message
    for word in words:
        assert word in message, message
    assert httpx.get(f"{server}/health").status_code == 200  # still up


def test_a_streamed_oversized_body_is_cut_off(server):
    def chunks():  # no Content-Length: chunked transfer encoding
        for _ in range(30):
            yield b" " * 10_000

    response = httpx.post(f"{server}/v1/models/digits:predict", content=chunks())
    assert response.status_code == 413
    assert "Expected a body of at most 200000 bytes, but got more" in response.json()["error"]


def test_wrong_routes_and_methods_are_4xx_with_a_message(server):
    response = httpx.get(f"{server}/v2/predict")
    assert response.status_code == 404 and "Expected GET /health" in response.json()["error"]
    response = httpx.get(f"{server}/v1/models/digits:predict")  # GET on the predict route reads a model name
    assert response.status_code == 404 and "Expected a model name" in response.json()["error"]
    response = httpx.delete(f"{server}/health")
    assert response.status_code == 405 and "Expected another method" in response.json()["error"]


def test_metrics_count_requests_latency_and_predicted_classes(server):
    before = httpx.get(f"{server}/metrics").json().get("digits", {}).get("requests", {}).get("200", 0)
    for _ in range(3):
        assert httpx.post(f"{server}/v1/models/digits:predict", json={"instances": [IMAGE, IMAGE]}).status_code == 200
    metrics = httpx.get(f"{server}/metrics").json()["digits"]
    assert metrics["requests"]["200"] == before + 3
    assert metrics["latency_ms"]["p50"] > 0 and metrics["latency_ms"]["p99"] >= metrics["latency_ms"]["p50"]
    assert sum(metrics["predicted_classes"].values()) == metrics["instances"]


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=20,
)
instances = st.lists(  # well-formed bodies with values anywhere, and (1, 8, 8) shapes mostly right
    st.lists(st.lists(st.lists(st.floats(width=32) | st.integers(-10, 10), min_size=8, max_size=8),
                      min_size=7, max_size=9), min_size=1, max_size=1),
    min_size=1, max_size=3,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=json_values | st.fixed_dictionaries({"instances": json_values}) | st.fixed_dictionaries(
    {"instances": instances}) | st.binary(max_size=64))
def test_fuzzed_bodies_never_get_a_500(server, body):
    content = body if isinstance(body, bytes) else json.dumps(body)
    response = httpx.post(f"{server}/v1/models/digits:predict", content=content)
    assert response.status_code in (200, 400, 413, 422), response.text
    if response.status_code != 200:
        assert "Expected" in response.json()["error"]
    else:
        assert len(response.json()["predictions"]) == len(body["instances"])


def test_dynamic_batching_answers_each_request_with_its_own_predictions():
    calls = []

    def predict(x: np.ndarray) -> np.ndarray:
        calls.append(len(x))
        return x.sum(axis=1, keepdims=True) * 2  # (N, 3) -> (N, 1)

    app = create_app({"sum": ServedModel(predict=predict, instance_shape=(3,))}, batching=True, max_wait_ms=20)
    with BackgroundServer(app) as server, httpx.Client() as client:
        def ask(i: int) -> list:
            return client.post(f"{server.url}/v1/models/sum:predict", json={"instances": [[i, i, i]]}).json()["predictions"]

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(ask, range(32)))
    assert answers == [[[6.0 * i]] for i in range(32)]
    assert sum(calls) == 32 and len(calls) < 32  # fewer forward passes than requests: they were batched


def test_create_app_and_parse_instances_reject_bad_arguments():
    with pytest.raises(ValueError, match="at least one model"):
        create_app({})
    with pytest.raises(TypeError, match="Expected ServedModel values, but got function"):
        create_app({"m": lambda x: x})
    model = ServedModel(predict=lambda x: x, instance_shape=(2,))
    with pytest.raises(ValueError, match="Expected max_instances to be a positive integer, but got 0"):
        create_app({"m": model}, max_instances=0)
    with pytest.raises(ValueError, match="Expected max_wait_ms >= 0, but got -1"):
        create_app({"m": model}, max_wait_ms=-1)
    with pytest.raises(BadRequest, match="at most 1 instances"):
        parse_instances(b'{"instances": [[1, 2], [3, 4]]}', (2,), max_instances=1)


# Schemathesis reads the server's OpenAPI schema and generates requests from it: schema-valid ones (each must be
# answered 200, or 404 for a model name it made up) and schema-violating ones (each must be refused with a 4xx).
# Every answer must be documented by the schema and match it; none may be a 500.
FUZZ_CONFIG = schemathesis.Config.from_dict({"checks": {
    "negative_data_rejection": {"expected-statuses": [400, 404, 405, 413, 422]},
}})


def test_schemathesis_finds_no_500_and_no_answer_off_the_schema(server):
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json", config=FUZZ_CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "GET /health", "GET /metrics", "GET /v1/models/{name}", "POST /v1/models/{name}:predict"}
    statuses = Counter()
    for operation in operations:
        modes = schemathesis.GenerationMode
        cases = operation.as_strategy(generation_mode=modes.POSITIVE) | operation.as_strategy(
            generation_mode=modes.NEGATIVE)

        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=cases)
        def check(case):
            response = case.call_and_validate(timeout=30)  # raises on any failed check
            statuses[(case.operation.path, response.status_code)] += 1
            assert response.status_code < 500, response.text

        check()
    predict = "/v1/models/{name}:predict"
    assert statuses[(predict, 200)] > 0 and sum(n for (path, s), n in statuses.items() if path == predict) >= 20
    assert not [key for key in statuses if key[1] >= 500]


def test_the_schema_documents_names_limits_and_float32_range(server):
    schema = httpx.get(f"{server}/openapi.json").json()
    predict = schema["paths"]["/v1/models/{name}:predict"]["post"]
    assert predict["parameters"][0]["schema"]["enum"] == ["digits"]
    body = predict["requestBody"]["content"]["application/json"]["schema"]
    number = body["properties"]["instances"]["items"]["items"]["items"]["items"]
    assert number["maximum"] == float(np.finfo(np.float32).max) == -number["minimum"]
