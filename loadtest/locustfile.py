"""50 agents working their queues at once; `make load` runs it.

Each locust user is one agent of the `load` shop (loadtest/prepare.py). It logs in through
the real login form, then works its own queue over and over as the page's htmx does: open the
queue (now and then the next page), open one of its own reviews, log a call, log that the
buyer agreed to revise at an exact minute (the follow-up gets planned), open the reply
composer and save the draft. Every write carries the CSRF token and the review's `version`
from the form it came from. No two agents share a review, so a conflict (409) or a refusal
(400) counts as an error. Targets only the host given (`--host`, 127.0.0.1 by default).
"""

import itertools
import os
import random
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task

from loadtest import scenario as sc

SHOP_TZ = ZoneInfo("Asia/Shanghai")
_agents = itertools.count()
_logged_in = itertools.count(1)
_log = None


@events.init.add_listener
def _request_log(environment, **_kwargs) -> None:
    """With LOAD_REQUEST_LOG set, every request as one CSV line (time, action, ms, error) and a
    `steady` line once every agent is logged in: loadtest/run.py computes the figures of the
    whole run and of the steady state (all agents working) from it."""
    global _log
    path = os.environ.get("LOAD_REQUEST_LOG")
    if not path:
        return
    _log = open(path, "w", buffering=1)  # noqa: SIM115 (open for the whole run)
    _log.write("time,action,ms,error\n")

    @environment.events.request.add_listener
    def _request(name, response_time, exception, **_kw) -> None:
        _log.write(f"{time.time():.3f},{name},{response_time:.1f},{int(exception is not None)}\n")


class Agent(HttpUser):
    """One support agent (售后客服) of the load shop."""

    host = "http://127.0.0.1:8000"
    # Reading and typing between two clicks (LOAD_THINK, seconds): a very busy agent; one who
    # phones the buyer between "open review" and "log contact" takes minutes, not seconds.
    wait_time = between(*sc.think_time(os.environ.get("LOAD_THINK", "")))

    def on_start(self) -> None:
        self.index = next(_agents) % sc.AGENTS
        self.rnd = random.Random(self.index)
        self.n = 0
        self.base = self.host.rstrip("/")
        login = self._get("login", sc.path("login"), expect="csrfmiddlewaretoken")
        token = sc.csrf_token(login or "")
        if token is None:
            raise RuntimeError("no login form")
        with self.client.post(
            sc.path("login"),
            data={
                "csrfmiddlewaretoken": token,
                "username": sc.agent_username(self.index),
                "password": sc.PASSWORD,
            },
            headers={"Origin": self.base, "Referer": self.base + sc.path("login")},
            name="login",
            catch_response=True,
        ) as r:
            # Logged in: the home page sends an agent on to the queue.
            if r.status_code != 200 or sc.EXPECT["open queue"] not in r.text:
                r.failure(f"{sc.agent_username(self.index)} not logged in: {r.status_code} {r.url}")
                raise RuntimeError("login failed")
        runner = self.environment.runner
        if _log is not None and next(_logged_in) == (runner.target_user_count if runner else 0):
            _log.write(f"{time.time():.3f},steady,0,0\n")

    @task
    def work_one_review(self) -> None:
        self.n += 1
        pk = self._pick_review()
        if pk is None:
            return
        review_url = sc.path("open review", pk=pk)
        page = self._get("open review", review_url)
        if page is None:
            return
        htmx = self._htmx(self.base + review_url)
        self.wait()
        outcome = self.rnd.choice(["reached", "no_answer"])
        panel = self._post("log contact", pk, page, htmx, channel="phone", outcome=outcome)
        if panel is None:
            return
        self.wait()
        phrase = sc.agreed_phrase(datetime.now(UTC), SHOP_TZ, self.n + self.index)
        panel = self._post(
            "schedule follow-up",
            pk,
            panel,
            htmx,
            channel="phone",
            outcome="agreed",
            agreed_at=phrase,
        )
        if panel is None:
            return
        self.wait()
        composer = self._get(
            "compose reply",
            sc.path("compose reply", pk=pk) + f"?situation=&variant={self.n}",
            headers={**htmx, "HX-Target": "reply-composer"},
        )
        if composer is None:
            return
        self.wait()
        draft = sc.reply_text(composer) or "您好，给您带来不便非常抱歉，我们已经在处理。"
        self._post("draft reply", pk, panel, htmx, versioned=False, text=draft, action="draft")

    def _pick_review(self) -> int | None:
        """One of the agent's own open items; now and then from the next page."""
        page = self._get("open queue", sc.path("open queue"))
        if page is None:
            return None
        if self.rnd.random() < 0.3 and (after := sc.next_page(page)):
            self.wait()
            headers = self._htmx(self.base + sc.path("open queue"))
            page = self._get("open queue", after, headers={**headers, "HX-Target": "queue-results"})
            if page is None:
                return None
        ids = sc.review_ids(page)
        if not ids:
            return None
        self.wait()
        return self.rnd.choice(ids)

    def _htmx(self, current_url: str) -> dict:
        return {
            "Origin": self.base,
            "Referer": current_url,
            "HX-Request": "true",
            "HX-Current-URL": current_url,
        }

    def _get(self, action: str, url: str, *, expect: str = "", headers: dict | None = None):
        expect = expect or sc.EXPECT[action]
        with self.client.get(url, name=action, headers=headers, catch_response=True) as r:
            if r.status_code != 200 or expect not in r.text:
                r.failure(f"{r.status_code}: {expect!r} missing")
                return None
            return r.text

    def _post(self, step: str, pk: int, form_html: str, headers: dict, *, versioned=True, **data):
        """Post like the page's htmx form: the CSRF token (and version) of the form shown."""
        token, version = sc.csrf_token(form_html), sc.form_version(form_html)
        if token is None or (versioned and version is None):
            self.environment.events.request.fire(
                request_type="POST",
                name=step,
                response_time=0,
                response_length=0,
                response=None,
                context={},
                exception=RuntimeError("the form shown has no CSRF token or version"),
            )
            return None
        data["csrfmiddlewaretoken"] = token
        if versioned:
            data["version"] = version
        with self.client.post(
            sc.path(step, pk=pk),
            data=data,
            headers={**headers, "HX-Target": "review-work"},
            name=step,
            catch_response=True,
        ) as r:
            if r.status_code != 200 or sc.EXPECT[step] not in r.text:
                r.failure(f"{r.status_code}: {sc.alert(r.text)}")
                return None
            return r.text
