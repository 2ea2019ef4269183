package com.lifecycleorchestrator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = new Backoff(Duration.ofSeconds(10), 2.0, Duration.ofMinutes(10), () -> 0.75);

  @Test
  void anOrdinaryDelayIsShortenedByAtMostAFifthAndASpreadOneOverItsWholeLength() {
    assertEquals(Duration.ofSeconds(17), backoff.delayBefore(1), "20 s less 0.75 of a fifth");
    assertEquals(Duration.ofSeconds(5), backoff.spreadBefore(1), "20 s less 0.75 of it");
  }

  @Test
  void aSpreadDelayIsDrawnWithinTheCap() {
    assertEquals(Duration.ofSeconds(150), backoff.spreadBefore(20), "10 min less 0.75 of it");
  }
}
