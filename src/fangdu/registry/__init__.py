"""The pattern registry: works, prior art, their images and the duplicate-check index.

Entry point: ``fangdu.registry.services.Registry``, which assembles one service per use case
(``checking``, ``filing``, ``queries``, ``indexing``). This package file imports nothing, so the
decoding workers (``fangdu.registry.pipeline``) start without the database and index stack.
"""
