"""``python -m dlkit serve model.ckpt``: serve a trained dlkit task over HTTP (TensorFlow Serving's REST contract).

    python -m dlkit serve digits_cnn.ckpt --name digits --port 8501
    curl -X POST http://127.0.0.1:8501/v1/models/digits:predict -d '{"instances": [...]}'

The checkpoint alone names the task and its network (``dlkit.deploy.export.load_task``, read with
``weights_only=True``). ``--onnx`` exports the network to ONNX and serves it with ONNX Runtime instead of PyTorch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"Expected comma-separated sizes such as 1,8,8, but got {text!r}") from None
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"Expected positive sizes such as 1,8,8, but got {text!r}")
    return shape


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dlkit", description="dlkit's command line")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a trained checkpoint over HTTP")
    serve.add_argument("checkpoint", type=Path, help="a .ckpt written by a dlkit task")
    serve.add_argument("--name", help="the model's name in the URL (default: the file name without .ckpt)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    serve.add_argument("--port", type=int, default=8501, help="port (default 8501, TensorFlow Serving's REST port)")
    serve.add_argument("--batching", action="store_true", help="dynamic batching of concurrent requests")
    serve.add_argument("--max-batch-size", type=int, default=64, help="most instances per batched pass")
    serve.add_argument("--max-wait-ms", type=float, default=0.0, help="hold a batch open this long (default 0)")
    serve.add_argument("--max-instances", type=int, default=64, help="most instances per request")
    serve.add_argument("--max-body-bytes", type=int, default=1_000_000, help="largest request body")
    serve.add_argument("--onnx", action="store_true", help="export to ONNX and run ONNX Runtime")
    serve.add_argument("--threads", type=int, default=None, help="threads of the model (default: torch's)")
    serve.add_argument("--input-shape", type=_shape, default=None, help="one instance's shape, e.g. 1,8,8")
    return parser


def serve(args: argparse.Namespace) -> None:
    import torch
    import uvicorn

    from dlkit.deploy.export import load_task
    from dlkit.deploy.server import ServedModel, create_app, instance_shape, onnx_predictor, torch_predictor

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    task = load_task(args.checkpoint)
    shape = args.input_shape or instance_shape(task.net)
    predict = onnx_predictor(task, shape, threads=args.threads) if args.onnx else torch_predictor(task)
    name = args.name or args.checkpoint.stem
    app = create_app(
        {name: ServedModel(predict=predict, instance_shape=shape)},
        max_instances=args.max_instances, max_body_bytes=args.max_body_bytes, batching=args.batching,
        max_batch_size=args.max_batch_size, max_wait_ms=args.max_wait_ms,
    )
    print(f"Serving {name!r} ({type(task).__name__}, instances of shape {shape}) on "
          f"http://{args.host}:{args.port}/v1/models/{name}:predict", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        serve(args)


if __name__ == "__main__":
    main(sys.argv[1:])
