"""The pad's timing, without widgets: a throttle and a wakeup on the event loop."""
import asyncio
import math

from scratchnn.pacing import Throttle, Wakeup


class Clock:
    t = 100.0

    def __call__(self):
        return self.t


def test_throttle_lets_one_action_through_per_interval_and_says_how_long_to_wait():
    clock = Clock()
    gate = Throttle(0.125, clock)                # binary fractions: the clock sums exactly
    assert gate.wait() == 0.0                  # the first one always goes
    clock.t += 0.03125
    assert gate.wait() == 0.09375              # held back: that long to go
    clock.t += 0.09375
    assert gate.wait() == 0.0
    assert gate.wait() > 0 and gate.wait(force=True) == 0.0   # forced: always, and it counts
    clock.t += 0.0625
    assert gate.wait() == 0.0625


def test_throttle_of_zero_lets_everything_through_and_inf_only_forced_actions():
    clock = Clock()
    every, never = Throttle(0, clock), Throttle(math.inf, clock)
    assert [every.wait() for _ in range(3)] == [0.0] * 3
    assert never.wait() == 0.0 and never.wait() == math.inf and never.wait(force=True) == 0.0


def test_wakeup_runs_once_after_the_shortest_delay_asked_for():
    calls = []

    async def main():
        loop = asyncio.get_running_loop()
        wake = Wakeup(lambda: calls.append(loop.time()))
        start = loop.time()
        assert wake.after(0.2) and wake.after(0.05) and wake.after(0.3)   # the 0.05 one wins
        end = loop.time()
        assert wake.pending and start + 0.05 <= wake.due <= end + 0.05
        due = wake.due
        deadline = loop.time() + 60  # bounds the wait only: a busy machine may run it late
        while wake.pending and loop.time() < deadline:
            await asyncio.sleep(0.01)
        assert not wake.pending and wake.due is None
        return due

    due = asyncio.run(main())
    assert len(calls) == 1 and calls[0] >= due - 0.01  # never early (asyncio's clock resolution aside)


def test_wakeup_cancel_and_no_loop():
    calls = []
    wake = Wakeup(lambda: calls.append(1))
    assert wake.after(0.01) is False            # no running loop: nothing scheduled

    async def main():
        assert wake.after(0.01) and not wake.after(math.inf)
        wake.cancel()
        await asyncio.sleep(0.05)

    asyncio.run(main())
    assert calls == []
