"""A clock that only moves when something sleeps, for code that takes `clock` and `sleep`."""


class FakeTime:
    """Remembers every sleep; nothing in a test waits for real."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
