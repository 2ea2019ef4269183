package com.lifecycleorchestrator.handler;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import com.lifecycleorchestrator.settings.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A priming that throws fails Lambda's snapshot, and with it the publication of the function's
 * version: it must run through, here as before a checkpoint, with no AWS behind it.
 */
class SnapStartPrimingTest {

  @Test
  void primingRunsThroughWithoutAws() {
    SnapStartPriming priming = SnapStartPriming.registeredFor(Settings.from(Map.of(
        Settings.REGION, "eu-west-1", Settings.DOCUMENT, "GracefulExit-ArchiveLogs")), () -> {});

    assertDoesNotThrow(() -> priming.beforeCheckpoint(null));
  }
}
