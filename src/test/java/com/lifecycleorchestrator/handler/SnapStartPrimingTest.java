package com.lifecycleorchestrator.handler;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

/**
 * A priming that throws fails Lambda's snapshot, and with it the publication of the function's
 * version: it must run through, here as before a checkpoint, with no AWS behind it.
 */
class SnapStartPrimingTest {

  @Test
  void primingRunsThroughWithoutAws() {
    SnapStartPriming priming = SnapStartPriming.registeredFor("eu-west-1", () -> {});

    assertDoesNotThrow(() -> priming.beforeCheckpoint(null));
  }
}
