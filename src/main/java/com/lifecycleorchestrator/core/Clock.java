package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.time.Instant;

/** Where the orchestration reads the time and waits; tests and the simulation substitute a virtual one. */
public interface Clock {

  Instant now();

  void sleepUntil(Instant wakeAt) throws InterruptedException;

  /** The wall clock. */
  Clock SYSTEM = new Clock() {
    @Override
    public Instant now() {
      return Instant.now();
    }

    @Override
    public void sleepUntil(Instant wakeAt) throws InterruptedException {
      long millis = Duration.between(Instant.now(), wakeAt).toMillis();
      if (millis > 0) {
        Thread.sleep(millis);
      }
    }
  };
}
