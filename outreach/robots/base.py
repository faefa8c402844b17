"""What every robot module shares: the note it posts and the error it raises."""

from dataclasses import dataclass


class RobotError(Exception):
    """The robot did not post. `code`/`message` are the provider's (errcode/errmsg, an HTTP
    status) or "network"; `retry` says whether trying again later may succeed (throttling,
    a timeout, a 5xx) rather than repeating a refusal (a bad signature, a removed robot)."""

    def __init__(self, code: str, message: str, *, retry: bool = False) -> None:
        super().__init__(f"{code} {message}")
        self.code = str(code)
        self.message = message
        self.retry = retry


@dataclass(frozen=True)
class Note:
    subject: str
    body: str
    link: str
