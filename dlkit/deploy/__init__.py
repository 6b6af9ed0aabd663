"""Deployment: save and reload a trained task safely, export it (``torch.export``, ONNX), serve it over HTTP,
and watch it once served.

- ``dlkit.deploy.export``: ``load_task`` (a Lightning checkpoint, read with ``weights_only=True``), ``export_onnx``
  and ``OnnxPredictor`` (ONNX Runtime);
- ``dlkit.deploy.server``: a FastAPI app with a TensorFlow-Serving-style REST contract
  (``POST /v1/models/<name>:predict``, ``{"instances": [...]}`` -> ``{"predictions": [...]}``), started by
  ``python -m dlkit serve model.ckpt``;
- ``dlkit.deploy.monitoring``: drift detection and a retraining trigger.

Import the module you need; importing this package imports none of them (FastAPI and ONNX Runtime load only
when used).
"""
