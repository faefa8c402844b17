"""One JSON POST to a robot, with a timeout; what went wrong becomes a RobotError."""

import json
import urllib.error
import urllib.request

from django.conf import settings

from .base import RobotError


def post_json(url: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    timeout = float(settings.LEAD_ALERTS["TIMEOUT"])
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        # Feishu answers a refused request with HTTP 400 and its JSON code; keep that code.
        try:
            answer = json.loads(exc.read() or b"")
        except ValueError:
            answer = None
        if isinstance(answer, dict) and ("code" in answer or "errcode" in answer):
            return answer
        raise RobotError(
            f"HTTP {exc.code}", str(exc.reason), retry=exc.code >= 500 or exc.code == 429
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise RobotError("network", str(getattr(exc, "reason", exc)), retry=True) from exc
    try:
        answer = json.loads(raw or b"")
    except ValueError:
        raise RobotError("answer", "not JSON", retry=True) from None
    if not isinstance(answer, dict):
        raise RobotError("answer", "not a JSON object", retry=True)
    return answer
