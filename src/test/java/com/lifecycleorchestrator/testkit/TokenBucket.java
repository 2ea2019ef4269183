package com.lifecycleorchestrator.testkit;

import java.time.Duration;
import java.time.Instant;

/** An API rate limit as AWS applies it per account: a steady rate with a burst, on the fakes' clock. */
public final class TokenBucket {

  private final double perSecond;
  private final double burst;
  private double tokens;
  private Instant filledAt;

  public TokenBucket(double perSecond, double burst, Instant now) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.filledAt = now;
  }

  /** Takes a token if one is there at {@code now}; a call without one is throttled. */
  public boolean tryTake(Instant now) {
    if (now.isAfter(filledAt)) {
      tokens = Math.min(burst, tokens + Duration.between(filledAt, now).toNanos() / 1e9 * perSecond);
      filledAt = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
