"""A prediction server with TensorFlow Serving's REST contract, on FastAPI and uvicorn.

``POST /v1/models/<name>:predict`` with ``{"instances": [x1, x2, ...]}`` answers ``{"predictions": [y1, y2, ...]}``
(one prediction per instance, in order); ``GET /v1/models/<name>`` the model's status, ``GET /health`` whether the
server is up, ``GET /metrics`` request counts, latencies and the distribution of predicted classes, and
``GET /openapi.json`` the schema of it all. Start it with ``python -m dlkit serve model.ckpt``.

Every request is validated before it reaches the model, and a bad one gets a 4xx whose ``"error"`` says what was
expected and what came: 400 malformed JSON or a body without ``"instances"``, 404 an unknown model, 413 a body or
an instance count over the limits, 422 an instance of the wrong shape or type, or with NaN/infinity.

Two ways to run the model: one forward pass per request (``batching=False``), or **dynamic batching**: requests
that arrive while the model is busy wait in a queue, and when it is free the whole queue (up to ``max_batch_size``
instances) runs as one batch; ``max_wait_ms > 0`` also holds a batch open that long for more requests. One call on
32 instances costs far less than 32 calls on one, so under concurrent load batching serves more requests per second,
and a lone request waits for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from fastapi import FastAPI, Path, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "ServedModel",
    "BadRequest",
    "parse_instances",
    "torch_predictor",
    "onnx_predictor",
    "TaskPredictions",
    "create_app",
    "BackgroundServer",
    "instance_shape",
]

Predictor = Callable[[np.ndarray], np.ndarray]  # float32 (N, *instance_shape) -> (N, ...)


@dataclass
class ServedModel:
    """A model as the server sees it: a function from a float32 batch to a batch of predictions.

    Args:
        predict: ``(N, *instance_shape)`` float32 array -> array with N rows (e.g. class probabilities).
        instance_shape: shape of one instance, e.g. ``(1, 8, 8)`` for a digit image.
        version: the version reported by ``GET /v1/models/<name>``.
    """

    predict: Predictor
    instance_shape: tuple[int, ...]
    version: str = "1"


class BadRequest(Exception):
    """A request the server refuses: an HTTP status (4xx) and a message naming what was expected and what came."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _describe(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return (text if len(text) <= 40 else text[:37] + "...") + f" ({type(value).__name__})"


def _nested_shape(value: Any) -> tuple[int, ...]:
    """The shape a nested list would have, following first elements (a ragged list is caught element by element)."""
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return tuple(shape)


def _check_instance(value: Any, shape: tuple[int, ...], where: str, index: str) -> None:
    if not shape:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadRequest(422, f"Expected a number at {where}{index}, but got {_describe(value)}")
        return
    if not isinstance(value, list) or len(value) != shape[0]:
        got = f"a list of {len(value)}" if isinstance(value, list) else _describe(value)
        raise BadRequest(422, f"Expected a list of {shape[0]} at {where}{index}, but got {got}")
    for i, item in enumerate(value):
        _check_instance(item, shape[1:], where, f"{index}[{i}]")


def parse_instances(body: bytes, instance_shape: Sequence[int], *, max_instances: int) -> np.ndarray:
    """Validate a predict request's body and return its instances as one float32 array ``(N, *instance_shape)``.

    Raises ``BadRequest`` (status and message) on anything else: malformed JSON (400), no ``"instances"`` list
    (400), a ``"signature_name"`` that is not a string (400), more than ``max_instances`` (413), an instance of
    another shape or holding a non-number (422), a NaN or an infinity, or a number outside float32's range (422).

    Example:
        >>> from dlkit.deploy.server import BadRequest, parse_instances
        >>> parse_instances(b'{"instances": [[1, 2], [3, 4.5]]}', (2,), max_instances=8).tolist()
        [[1.0, 2.0], [3.0, 4.5]]
        >>> try:
        ...     parse_instances(b'{"instances": [[1, 2, 3]]}', (2,), max_instances=8)
        ... except BadRequest as error:
        ...     print(error.status, error.message)
        422 Expected each instance to have shape (2,), but got instances[0] of shape (3,)
    """
    shape = tuple(instance_shape)
    example = '{"instances": [...]}'
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BadRequest(400, f"Expected a JSON body like {example}, but got malformed JSON ({error})") from None
    if not isinstance(payload, dict) or "instances" not in payload:
        got = f"an object with keys {sorted(payload)}" if isinstance(payload, dict) else _describe(payload)
        raise BadRequest(400, f"Expected a JSON object like {example}, but got {got}")
    unknown = sorted(set(payload) - {"instances", "signature_name"})
    if unknown:
        raise BadRequest(400, f"Expected only the keys 'instances' (and 'signature_name'), but got also {unknown}")
    if not isinstance(payload.get("signature_name", ""), str):
        raise BadRequest(400, f"Expected 'signature_name' to be a string, but got {_describe(payload['signature_name'])}")
    instances = payload["instances"]
    if not isinstance(instances, list) or not instances:
        got = "an empty list" if instances == [] else _describe(instances)
        raise BadRequest(400, f"Expected 'instances' to be a non-empty list, but got {got}")
    if len(instances) > max_instances:
        raise BadRequest(413, f"Expected at most {max_instances} instances per request, but got {len(instances)}")
    fast = _fast_array(body, instances, shape)
    if fast is not None:
        return _finite_float32(fast)
    for i, instance in enumerate(instances):
        if _nested_shape(instance) != shape and shape:
            raise BadRequest(
                422,
                f"Expected each instance to have shape {shape}, but got instances[{i}] of shape {_nested_shape(instance)}",
            )
        _check_instance(instance, shape, "instances", f"[{i}]")
    return _finite_float32(np.asarray(instances, dtype=np.float64))


def _fast_array(body: bytes, instances: list, shape: tuple[int, ...]) -> np.ndarray | None:
    """The instances as one array when NumPy can tell they are well formed: a regular array of the right shape and
    of real numbers (no JSON ``true``/``false`` anywhere in the body, since NumPy would turn booleans into 1.0 and
    0.0). None otherwise: the element-by-element checks then find what is wrong, and say where."""
    if b"true" in body or b"false" in body:
        return None
    try:
        array = np.asarray(instances)
    except (ValueError, TypeError, OverflowError):  # ragged, or a number too large for any dtype
        return None
    if array.dtype.kind not in "if" or array.shape[1:] != shape:
        return None  # strings, nulls, nested objects, huge integers (object dtype), or another shape
    return array.astype(np.float64, copy=False)


def _finite_float32(array: np.ndarray) -> np.ndarray:
    """``array`` (float64) as float32, refused (422) if it holds a NaN, an infinity or a number beyond float32."""
    with np.errstate(over="ignore"):
        as_float32 = array.astype(np.float32)
    bad = ~np.isfinite(as_float32)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        value = array[index]
        kind = "a number outside float32's range" if np.isfinite(value) else str(value)
        where = "".join(f"[{i}]" for i in index)
        raise BadRequest(422, f"Expected finite numbers, but got {kind} at instances{where}")
    return as_float32


def instance_shape(network: torch.nn.Module) -> tuple[int, ...]:
    """The shape of one input the network expects, read from its attributes: ``(in_channels, image_size,
    image_size)`` for dlkit's image networks, ``(in_features,)`` for flat inputs.

    Example:
        >>> from dlkit.deploy.server import instance_shape
        >>> from dlkit.models import CNN, MLP
        >>> instance_shape(CNN(in_channels=1, image_size=8)), instance_shape(MLP(in_features=64, out_features=10))
        ((1, 8, 8), (64,))
    """
    if hasattr(network, "in_channels") and hasattr(network, "image_size"):
        return (int(network.in_channels), int(network.image_size), int(network.image_size))
    if hasattr(network, "in_features"):
        return (int(network.in_features),)
    raise ValueError(
        f"Expected a network with in_channels and image_size, or in_features, but got {type(network).__name__}: "
        "give the instance shape explicitly"
    )


def torch_predictor(task: torch.nn.Module) -> Predictor:
    """A task's predictions (``task.predictions(task(x))``: a classifier's probabilities) as a NumPy function.

    Example:
        >>> import numpy as np
        >>> from dlkit.deploy.server import torch_predictor
        >>> from dlkit.tasks import ClassificationTask
        >>> task = ClassificationTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3},
        ...                           num_classes=3)
        >>> probabilities = torch_predictor(task)(np.zeros((2, 4), dtype=np.float32))
        >>> probabilities.shape, np.allclose(probabilities.sum(axis=1), 1.0)
        ((2, 3), True)
    """
    task = task.eval()
    predictions = getattr(task, "predictions", lambda outputs: outputs)

    def predict(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            inputs = torch.from_numpy(x).to(next(task.parameters()).device)
            return predictions(task(inputs)).detach().cpu().numpy()

    return predict


class TaskPredictions(torch.nn.Module):
    """A task's predictions as one module, for export: ``forward(x) = task.predictions(task(x))``."""

    def __init__(self, task: torch.nn.Module) -> None:
        super().__init__()
        self.task = task

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.task.predictions(self.task(x))


def onnx_predictor(task: torch.nn.Module, shape: Sequence[int], *, threads: int | None = None) -> Predictor:
    """The task's predictions exported to ONNX (``export_onnx``) and run by ONNX Runtime, as a NumPy function.

    Example:
        >>> import numpy as np
        >>> from dlkit.deploy.server import onnx_predictor, torch_predictor
        >>> from dlkit.tasks import ClassificationTask
        >>> task = ClassificationTask(model="dlkit.models.mlp.MLP", model_kwargs={"in_features": 4, "out_features": 3},
        ...                           num_classes=3)
        >>> x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
        >>> np.testing.assert_allclose(onnx_predictor(task, (4,))(x), torch_predictor(task)(x), rtol=1e-5, atol=1e-6)
    """
    import tempfile
    from pathlib import Path

    from dlkit.deploy.export import OnnxPredictor, export_onnx

    module = TaskPredictions(task.eval())
    path = export_onnx(module, torch.zeros(2, *shape), Path(tempfile.mkdtemp()) / "model.onnx")
    session = OnnxPredictor(path, threads=threads)
    return lambda x: session(x).astype(np.float32)


# ---- Request and response schemas (the OpenAPI document; the checks themselves are in parse_instances) -----------
class PredictResponse(BaseModel):
    predictions: list[Any]


class ErrorResponse(BaseModel):
    error: str


def _instances_schema(shape: tuple[int, ...], max_instances: int) -> dict[str, Any]:
    largest = float(np.finfo(np.float32).max)  # beyond it a number has no float32: refused with 422
    schema: dict[str, Any] = {"type": "number", "minimum": -largest, "maximum": largest}
    for size in reversed(shape):
        schema = {"type": "array", "items": schema, "minItems": size, "maxItems": size}
    return {
        "type": "object",
        "required": ["instances"],
        "additionalProperties": False,
        "properties": {
            "instances": {"type": "array", "items": schema, "minItems": 1, "maxItems": max_instances},
            "signature_name": {"type": "string"},
        },
    }


class _RawBodyRoute(APIRoute):
    """A route that the OpenAPI schema documents like any other, but whose endpoint gets the request and the path
    parameters as they came, without FastAPI's per-request dependency solving (FastAPI's documented extension
    point: a custom ``APIRoute.get_route_handler``). The predict endpoint reads and checks its body itself
    (``parse_instances``), so that work would be spent for nothing; skipping it serves about 1.5 times the requests/s
    (``bench/serving.py``). Exception handlers still apply."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            return await endpoint(request, **request.path_params)

        return handler


@dataclass
class _Metrics:
    """Request counts, latencies (the last ``window``) and predicted classes, per model: what ``/metrics`` shows."""

    window: int = 10_000
    requests: Counter = field(default_factory=Counter)  # (model, status) -> count
    latencies: dict[str, deque] = field(default_factory=dict)  # model -> seconds
    classes: dict[str, Counter] = field(default_factory=dict)  # model -> predicted class -> count
    instances: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, model: str, status: int, seconds: float, predictions: np.ndarray | None = None) -> None:
        with self.lock:
            self.requests[(model, status)] += 1
            self.latencies.setdefault(model, deque(maxlen=self.window)).append(seconds)
            if predictions is not None:
                self.instances[model] += len(predictions)
                if predictions.ndim == 2 and predictions.shape[1] > 1:  # class scores -> the predicted class
                    self.classes.setdefault(model, Counter()).update(predictions.argmax(axis=1).tolist())

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {}
            for (model, status), count in sorted(self.requests.items()):
                entry = out.setdefault(model, {"requests": {}, "instances": self.instances[model]})
                entry["requests"][str(status)] = count
            for model, latencies in self.latencies.items():
                values = np.array(latencies) * 1000
                out[model]["latency_ms"] = {
                    "p50": float(np.percentile(values, 50)), "p99": float(np.percentile(values, 99)),
                    "count": len(values),
                }
            for model, counts in self.classes.items():
                out[model]["predicted_classes"] = {str(k): v for k, v in sorted(counts.items())}
            return out


class _Batcher:
    """Dynamic batching: requests queue up while the model runs; the queue becomes one batch."""

    def __init__(self, model: ServedModel, run: Callable[..., Any], max_batch_size: int, max_wait_ms: float) -> None:
        self.model, self.run = model, run
        self.max_batch_size, self.max_wait = max_batch_size, max_wait_ms / 1000
        self.queue: asyncio.Queue | None = None
        self.worker: asyncio.Task | None = None

    async def predict(self, x: np.ndarray) -> np.ndarray:
        if self.queue is None:  # created in the server's event loop, on first use
            self.queue = asyncio.Queue()
            self.worker = asyncio.get_running_loop().create_task(self._work())
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((x, future))
        return await future

    async def _work(self) -> None:
        assert self.queue is not None
        pending: list[tuple[np.ndarray, asyncio.Future]] = []
        while True:
            items = pending or [await self.queue.get()]  # wait for work only when there is none
            pending, size = [], sum(len(x) for x, _ in items)
            deadline = time.perf_counter() + self.max_wait
            while size < self.max_batch_size:
                try:  # everything that queued up while the model was busy joins this batch
                    item = self.queue.get_nowait()
                except asyncio.QueueEmpty:
                    remaining = deadline - time.perf_counter()
                    if remaining <= 0:  # max_wait_ms = 0: never hold a batch back for more
                        break
                    try:
                        item = await asyncio.wait_for(self.queue.get(), remaining)
                    except asyncio.TimeoutError:
                        break
                if size + len(item[0]) > self.max_batch_size:
                    pending = [item]  # starts the next batch
                    break
                items.append(item)
                size += len(item[0])
            await self._run(items)

    async def _run(self, items: list[tuple[np.ndarray, asyncio.Future]]) -> None:
        batch = np.concatenate([x for x, _ in items])  # (sum of N_i, *shape)
        try:
            outputs = await self.run(self.model.predict, batch)
        except Exception as error:  # the model failed: every waiting request gets the error
            for _, future in items:
                if not future.done():
                    future.set_exception(error)
            return
        start = 0
        for x, future in items:
            if not future.done():
                future.set_result(outputs[start : start + len(x)])
            start += len(x)


def create_app(
    models: dict[str, ServedModel],
    *,
    max_instances: int = 64,
    max_body_bytes: int = 1_000_000,
    batching: bool = False,
    max_batch_size: int = 64,
    max_wait_ms: float = 0.0,
) -> FastAPI:
    """The FastAPI application serving ``models`` by name.

    Args:
        models: name -> ``ServedModel``.
        max_instances: most instances in one request (more: 413).
        max_body_bytes: largest request body (larger: 413, read no further).
        batching: run concurrent requests as one batch (dynamic batching) instead of one forward pass each.
        max_batch_size: most instances in one batched forward pass.
        max_wait_ms: how long a batch is held open for more requests (0: run what has queued, at once).

    Example:
        >>> import numpy as np
        >>> from dlkit.deploy.server import ServedModel, create_app
        >>> app = create_app({"double": ServedModel(predict=lambda x: 2 * x, instance_shape=(3,))})
        >>> sorted(route.path for route in app.routes if "models" in route.path)
        ['/v1/models/{name}', '/v1/models/{name}/metadata', '/v1/models/{name}:predict']
    """
    if not models:
        raise ValueError("Expected at least one model to serve, but got none")
    for name, model in models.items():
        if not isinstance(model, ServedModel):
            raise TypeError(f"Expected ServedModel values, but got {type(model).__name__} for {name!r}")
    for option, value in {"max_instances": max_instances, "max_body_bytes": max_body_bytes,
                          "max_batch_size": max_batch_size}.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"Expected {option} to be a positive integer, but got {value!r}")
    if max_wait_ms < 0:
        raise ValueError(f"Expected max_wait_ms >= 0, but got {max_wait_ms}")

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlkit-model")  # one forward pass at a time
    metrics = _Metrics()

    async def run(predict: Predictor, x: np.ndarray) -> np.ndarray:
        return await asyncio.get_running_loop().run_in_executor(executor, predict, x)

    batchers = {name: _Batcher(model, run, max_batch_size, max_wait_ms) for name, model in models.items()}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        for batcher in batchers.values():
            if batcher.worker is not None:
                batcher.worker.cancel()
        executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="dlkit prediction server",
        version="1",
        description="TensorFlow-Serving-style REST: POST /v1/models/<name>:predict with {\"instances\": [...]}.",
        docs_url=None,  # the interactive pages load scripts from a CDN; the schema is at /openapi.json
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.metrics = metrics

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = (
                "Expected GET /health, GET /metrics, GET /v1/models/<name>, GET /v1/models/<name>/metadata or "
                f"POST /v1/models/<name>:predict, but got {request.method} {request.url.path}"
            )
        elif exc.status_code == 405:
            message = f"Expected another method for {request.url.path}, but got {request.method}"
        else:
            message = str(exc.detail)
        return error(exc.status_code, message)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:  # a bug, never a crash
        return error(500, f"Internal error: {type(exc).__name__}: {exc}")

    def known(name: str) -> ServedModel:
        if name not in models:
            raise BadRequest(404, f"Expected a model name in {sorted(models)}, but got {name!r}")
        return models[name]

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "models": sorted(models)}

    @app.get("/metrics")
    async def metrics_endpoint() -> dict[str, Any]:
        return metrics.snapshot()

    error_responses = {status: {"model": ErrorResponse} for status in (400, 404, 413, 422)}
    # The schema lists the served names (clients and fuzzers see them); any other name is answered 404 by known()
    model_name = Path(description="a served model's name", json_schema_extra={"enum": sorted(models)})

    @app.get("/v1/models/{name}", responses={404: {"model": ErrorResponse}})
    async def status(name: str = model_name) -> Any:
        try:
            model = known(name)
        except BadRequest as exc:
            return error(exc.status, exc.message)
        return {"model_version_status": [{"version": model.version, "state": "AVAILABLE",
                                          "status": {"error_code": "OK", "error_message": ""}}]}

    @app.get("/v1/models/{name}/metadata", responses={404: {"model": ErrorResponse}})
    async def metadata(name: str = model_name) -> Any:
        try:
            model = known(name)
        except BadRequest as exc:
            return error(exc.status, exc.message)
        return {"model_spec": {"name": name, "version": model.version},
                "metadata": {"instance_shape": list(model.instance_shape), "dtype": "float32",
                             "max_instances": max_instances}}

    # One schema per model would need one route per model; the first model's instance shape documents the body.
    first = next(iter(models.values()))

    async def predict(request: Request, name: str = model_name) -> Any:
        start = time.perf_counter()
        try:
            model = known(name)
            declared = request.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > max_body_bytes):
                raise BadRequest(413, f"Expected a body of at most {max_body_bytes} bytes, but got {declared}")
            chunks, size = [], 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_body_bytes:
                    raise BadRequest(413, f"Expected a body of at most {max_body_bytes} bytes, but got more")
                chunks.append(chunk)
            x = parse_instances(b"".join(chunks), model.instance_shape, max_instances=max_instances)
        except BadRequest as exc:
            metrics.record(name if name in models else "<unknown>", exc.status, time.perf_counter() - start)
            return error(exc.status, exc.message)
        if batching:
            outputs = await batchers[name].predict(x)
        else:
            outputs = await run(model.predict, x)
        metrics.record(name, 200, time.perf_counter() - start, outputs)
        # A Response skips FastAPI's re-validation of the result against PredictResponse (which only documents it)
        return Response(json.dumps({"predictions": outputs.tolist()}), media_type="application/json")

    app.router.add_api_route(
        "/v1/models/{name}:predict",
        predict,
        methods=["POST"],
        route_class_override=_RawBodyRoute,
        response_model=PredictResponse,
        responses=error_responses,
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": _instances_schema(first.instance_shape, max_instances)}}}},
    )
    return app


class BackgroundServer:
    """Run an app with uvicorn in a background thread on ``host`` (``port=0``: any free port); ``url`` is its
    address. A real server (sockets, HTTP parsing, uvicorn's event loop); ``stop()``, or the end of a ``with``
    block, shuts it down.

    Example:
        >>> import httpx
        >>> from dlkit.deploy.server import BackgroundServer, ServedModel, create_app
        >>> app = create_app({"double": ServedModel(predict=lambda x: 2 * x, instance_shape=(2,))})
        >>> with BackgroundServer(app) as server:
        ...     httpx.post(f"{server.url}/v1/models/double:predict", json={"instances": [[1, 2]]}).json()
        {'predictions': [[2.0, 4.0]]}
    """

    def __init__(self, app: FastAPI, *, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"Expected the server to start on {host}:{port}, but it did not")
            time.sleep(0.01)
        self.url = f"http://{host}:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
