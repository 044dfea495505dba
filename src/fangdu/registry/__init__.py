"""The pattern registry: works, prior art, their images and the duplicate-check index.

Entry point: ``fangdu.registry.services.Registry``. This package file imports nothing, so the
decoding workers (``fangdu.registry.pipeline``) start without the database and index stack.
"""
