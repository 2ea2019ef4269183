package com.lifecycleorchestrator.core;

import java.time.Instant;

/**
 * Work done in steps at due times, that never sleeps itself: an orchestration, a reconciler pass. A
 * clock drives it in an invocation; an event loop drives many of them at once in a simulation.
 */
public interface Steps {

  /** When the next step is due. */
  Instant nextStepAt();

  /** Takes whatever steps are due at {@code now}. */
  void advance(Instant now);

  boolean finished();

  /** Takes every step at its time on the clock, until the work is finished. */
  static void runToEnd(Steps steps, Clock clock) {
    while (!steps.finished()) {
      try {
        clock.sleepUntil(steps.nextStepAt());
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted between two steps", interrupted);
      }
      steps.advance(clock.now());
    }
  }
}
