"""The rate limit of updates that follow a run more slowly than it steps."""

import nnstudio.core.rate_limit as rate_limit


def test_an_update_runs_at_most_once_per_interval_unless_forced(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(rate_limit.time, "monotonic", lambda: now[0])
    every = rate_limit.AtMostEvery(0.5)
    assert every.due()  # the first time, at once
    now[0] += 0.3
    assert not every.due()
    assert every.due(force=True)  # e.g. a run's last snapshot
    now[0] += 0.49
    assert not every.due()
    now[0] += 0.01
    assert every.due()
    every.reset()
    assert every.due()
