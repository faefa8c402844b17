"""Per-shop models from the database (`ClassifierModel`), cached per process.

The only part of the classifier that touches the ORM. A process asks the database at most
once a minute per shop whether the active version changed (ingestion classifies thousands of
reviews a minute); the artifact itself is loaded only when the version differs. The retrain
service calls `forget()` on commit so the process that trained sees its model at once.
"""

import logging
import threading
import time

from .learned import LinearModel

CACHE_SECONDS = 60.0
log = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[int, tuple[float, LinearModel | None]] = {}


def shop_model(shop_id: int) -> LinearModel | None:
    now = time.monotonic()
    hit = _cache.get(shop_id)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]

    from reviews.models import ClassifierModel

    version = (
        ClassifierModel.objects.filter(shop_id=shop_id, is_active=True)
        .values_list("version", flat=True)
        .first()
    )
    if version is None:
        model = None
    elif hit is not None and hit[1] is not None and hit[1].version == version:
        model = hit[1]
    else:
        artifact = (
            ClassifierModel.objects.filter(version=version)
            .values_list("artifact", flat=True)
            .first()
        )
        try:
            model = LinearModel.from_bytes(artifact) if artifact is not None else None
        except (ValueError, KeyError, OSError):
            # A broken artifact must not stop ingestion: classify with the base model instead.
            log.exception("classifier model %s of shop %s cannot be loaded", version, shop_id)
            model = None
    with _lock:
        _cache[shop_id] = (now, model)
    return model


def forget(shop_id: int | None = None) -> None:
    with _lock:
        if shop_id is None:
            _cache.clear()
        else:
            _cache.pop(shop_id, None)
