package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * A delay that starts short and grows geometrically up to a cap, with jitter: the polling interval
 * (a short runbook releases its instance within about a second of ending, a long one costs few
 * status calls) and the pause before trying again a call that failed for now. Each delay is
 * shortened by up to a fifth at random, so that the executions of one large scale-in do not call
 * in lock-step, and never exceeds the cap.
 */
public record Backoff(Duration first, double growth, Duration cap, DoubleSupplier random) {

  private static final double JITTER = 0.2;

  public Backoff {
    requireNonNull(first, "first");
    requireNonNull(cap, "cap");
    requireNonNull(random, "random");
    if (first.isNegative() || first.isZero() || cap.compareTo(first) < 0 || growth < 1.0) {
      throw new IllegalArgumentException("a backoff needs 0 < first <= cap and growth >= 1, got first "
          + first + ", cap " + cap + ", growth " + growth);
    }
  }


  /** The delay before attempt number {@code attempt}, counting the first as 0. */
  public Duration delayBefore(int attempt) {
    return jittered(attempt, JITTER);
  }

  /**
   * The delay before attempt number {@code attempt}, drawn anywhere up to its nominal length ("full
   * jitter"): for a call that a whole scale-in made at the same moment and that was throttled, whose
   * retries spread over the whole pause rather than its last fifth, so that fewer meet the throttling
   * again (AWS Architecture Blog, "Exponential Backoff And Jitter").
   */
  public Duration spreadBefore(int attempt) {
    return jittered(attempt, 1.0);
  }

  private Duration jittered(int attempt, double share) {
    double nominal = first.toMillis() * Math.pow(growth, Math.min(attempt, 64));
    double capped = Math.min(nominal, cap.toMillis());
    double jittered = capped * (1.0 - share * random.getAsDouble());
    return Duration.ofMillis(Math.max(1, Math.round(jittered)));
  }
}
