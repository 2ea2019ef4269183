package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * The invocation's time: the wait ends at {@code waitUntil}, leaving a reserve until
 * {@code workUntil} in which the result can still be sent or the wait handed over.
 */
public record Budget(Instant waitUntil, Instant workUntil) {
  public Budget {
    requireNonNull(waitUntil, "waitUntil");
    requireNonNull(workUntil, "workUntil");
    if (workUntil.isBefore(waitUntil)) {
      throw new IllegalArgumentException("workUntil must not be before waitUntil");
    }
  }

  /**
   * The budget of an invocation with {@code remaining} time: work stops the timings' return margin
   * before its end and the wait their reserve before that, the reserve shrinking to a quarter of the
   * time when the time is short.
   */
  public static Budget of(Instant now, Duration remaining, Timings timings) {
    Instant workUntil = now.plus(remaining).minus(timings.returnMargin());
    Duration quarter = remaining.dividedBy(4);
    Duration reserve = timings.invocationReserve();
    return new Budget(workUntil.minus(reserve.compareTo(quarter) < 0 ? reserve : quarter), workUntil);
  }

  /** Whether the wait must end now: what is left is the reserve. */
  boolean waitIsOver(Instant now) {
    return !now.isBefore(waitUntil);
  }

  /** Whether work that would resume at {@code then} would overrun the invocation. */
  boolean overrunBy(Instant then) {
    return then.isAfter(workUntil);
  }
}
