package com.lifecycleorchestrator.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.settings.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The priming at init handles its sample lifecycle action the whole way, claim to completion, with
 * no AWS behind it: in a single-group deployment at its own group and hook, and in fleet mode at a
 * group whose local answer opts in. A priming cut short would leave the rest of the path to the
 * first invocation, at a fraction of the init's CPU.
 */
class PrimingTest {

  private static final Map<String, String> STACK = Map.of(
      Settings.REGION, "eu-west-1", Settings.DOCUMENT, "GracefulExit-ArchiveLogs",
      Settings.HOOK_NAME, "graceful-exit", Settings.GROUP_NAMES, "web-asg",
      Settings.WAITING_ROOM_QUEUE_URL, "https://sqs.eu-west-1.amazonaws.com/123456789012/waiting-room");

  @Test
  void theSampleActionIsCompletedThroughTheCoreAgainstLocalAnswers() {
    assertCompleted(Settings.from(STACK));
  }

  @Test
  void inFleetModeTheSampleGroupOptsInAndItsActionIsCompleted() {
    assertCompleted(Settings.from(Map.of(Settings.REGION, "eu-west-1", Settings.DOCUMENT, "GracefulExit-ArchiveLogs",
        Settings.HOOK_NAME, "graceful-exit", Settings.FLEET_MODE, "true")));
  }

  private static void assertCompleted(Settings settings) {
    Outcome sample = Priming.atInit(settings, () -> {}).prime();

    assertEquals(LifecycleResult.CONTINUE, assertInstanceOf(Outcome.Completed.class, sample).result(), sample.toString());
  }
}
