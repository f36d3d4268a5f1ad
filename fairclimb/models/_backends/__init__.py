"""Model backends, one module each, named after ``ModelSpec.backend``.

Each module defines ``create(spec, *, api_key, retry) -> ModelBackend``.
"""
