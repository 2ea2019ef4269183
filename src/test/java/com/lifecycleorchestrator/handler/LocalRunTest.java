package com.lifecycleorchestrator.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.VirtualClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's first command, on a virtual clock: the timeline a person reads must say what happened. */
class LocalRunTest {

  @Test
  void theDefaultRunShowsTheActionFromArrivalToRelease() throws IOException {
    String printed = run("--event=events/terminate.json");

    assertInOrder(printed,
        "NOT executed locally",
        "Auto Scaling  holds i-0a1b2c3d4e5f67890 at hook graceful-exit of web-asg",
        "function      lifecycle action accepted from event 7bf73129-1428-4cd3-a780-95db273d1602",
        "function      runbook started as execution ",
        "function      runbook status InProgress",
        "function      runbook status Success",
        "Auto Scaling  lifecycle action completed with CONTINUE",
        "function      result CONTINUE sent: instance i-0a1b2c3d4e5f67890 released",
        "Auto Scaling ended the wait of i-0a1b2c3d4e5f67890: CONTINUE (completed)");
  }

  @Test
  void aFailingRunbookEndsInAbandon() throws IOException {
    String printed = run("--runbook=fails");

    assertInOrder(printed, "runbook status Failed", "result ABANDON sent",
        "Auto Scaling ended the wait of i-0a1b2c3d4e5f67890: ABANDON (completed)");
  }

  @Test
  void aSlowRunbookShowsHeartbeats() throws IOException {
    String printed = run("--runbook=slow");

    assertTrue(printed.split("heartbeat sent", -1).length - 1 >= 3, printed);
    assertTrue(printed.contains("CONTINUE (completed)"), printed);
  }

  @Test
  void throttledCallsShowAndChangeNothing() throws IOException {
    String printed = run("--throttled=true");

    assertTrue(printed.contains("answered ThrottlingException; the SDK backs off and tries again")
        || printed.contains("answered Throttling; the SDK backs off and tries again"), printed);
    assertTrue(printed.contains("CONTINUE (completed)"), printed);
  }

  @Test
  void aLaunchWaitsForItsLateAgentThenRunsTheLaunchRunbookAndContinues() throws IOException {
    String printed = run("--launch=true");

    assertInOrder(printed,
        "The runbook GracefulLaunch-Warmup is NOT executed locally",
        "registers 8 s after its launch",
        "Auto Scaling  holds i-0f9e8d7c6b5a43210 at hook graceful-launch of web-asg (Pending:Wait",
        "InvalidInstanceId",
        "function      the launching instance's SSM agent is not online yet (NOT_MANAGED)",
        "function      runbook started as execution ",
        "function      result CONTINUE sent: instance i-0f9e8d7c6b5a43210 released",
        "Auto Scaling ended the wait of i-0f9e8d7c6b5a43210: CONTINUE (completed)");
  }

  @Test
  void aMalformedEventFailsTheInvocationWithoutACall() throws IOException {
    String printed = run("--event=events/malformed.json");

    assertInOrder(printed, "holds nothing", "ERROR lifecycle action event refused: detail.LifecycleActionToken is missing",
        "The invocation failed", "The stand-in answered 0 calls");
  }

  @Test
  void optionsAreCheckedBeforeAnythingRuns() {
    assertEquals(new LocalRun.Options(Path.of("events/launch.json"), LocalRun.RunbookMode.SLOW, true, false),
        LocalRun.Options.parse("--event=events/launch.json", "--runbook=slow", "--throttled=true"));
    assertEquals(new LocalRun.Options(Path.of("events/launch.json"), LocalRun.RunbookMode.SUCCEEDS, false, true),
        LocalRun.Options.parse("--event=", "--launch=true"));
    for (List<String> wrong : List.of(List.of("--runbook=sometimes"), List.of("--throttled=yes"), List.of("--launch=1"),
        List.of("--colour=blue"), List.of("terminate.json"))) {
      assertThrows(IllegalArgumentException.class, () -> LocalRun.Options.parse(wrong.toArray(String[]::new)));
    }
  }

  /** The run on a virtual clock that starts a second after the sample events' time. */
  private static String run(String... arguments) throws IOException {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    VirtualClock clock = new VirtualClock(Instant.parse("2026-11-25T13:00:01Z"));
    new LocalRun(LocalRun.Options.parse(arguments), new PrintStream(printed, true, StandardCharsets.UTF_8), clock).run();
    return printed.toString(StandardCharsets.UTF_8);
  }

  private static void assertInOrder(String printed, String... expected) {
    int from = 0;
    for (String text : expected) {
      int at = printed.indexOf(text, from);
      assertTrue(at >= 0, "'" + text + "' missing after position " + from + " of:\n" + printed);
      from = at + text.length();
    }
  }
}
