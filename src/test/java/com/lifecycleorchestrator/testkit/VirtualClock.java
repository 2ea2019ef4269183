package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.Clock;
import java.time.Duration;
import java.time.Instant;

/** A clock that jumps to whatever time is slept until: hours of waiting take no time at all. */
public final class VirtualClock implements Clock {

  private Instant now;

  public VirtualClock(Instant start) {
    this.now = start;
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public synchronized void sleepUntil(Instant wakeAt) {
    if (wakeAt.isAfter(now)) {
      now = wakeAt;
    }
  }

  public synchronized void advance(Duration duration) {
    now = now.plus(duration);
  }

  public Duration since(Instant then) {
    return Duration.between(then, now());
  }
}
