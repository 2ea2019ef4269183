package com.lifecycleorchestrator.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.testkit.VirtualClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, on a virtual clock: the timeline a person reads must say what happened,
 * a wrong option or event file must be said in one line, and the exit status must tell a failed run.
 */
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

  /**
   * The runbook outlasts the function's short polls: the wait is parked, and the runbook's
   * status-change event releases the instance within a second of the runbook's end.
   */
  @Test
  void aRunbooksStatusChangeEventReleasesTheParkedWaitAtItsEnd() throws IOException {
    String printed = run("--statusEvent=true");

    assertInOrder(printed,
        "InProgress 30 s",
        "function      runbook started as execution ",
        "function      lifecycle action parked in the waiting room",
        "EventBridge   delivers the runbook's status-change event: execution ",
        "Auto Scaling  lifecycle action completed with CONTINUE",
        "function      result CONTINUE sent: instance i-0a1b2c3d4e5f67890 released",
        "Auto Scaling ended the wait of i-0a1b2c3d4e5f67890: CONTINUE (completed)");
    assertTrue(printed.contains("\"seconds_after_runbook_end\":"), printed);
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

  /**
   * "Warm pool instance lifecycle" (EC2 Auto Scaling User Guide): the instance returns to the pool
   * on scale-in (Warmed:Pending:Wait), then is terminated from it (Warmed:Terminating:Wait).
   */
  @Test
  void anInstanceReturnedToTheWarmPoolThenTerminatedGetsTwoRunbooksAndTwoCompletions() throws IOException {
    Run run = runToEnd("--warmPool=true");

    assertEquals(LocalRun.Exit.HANDLED, run.exit(), run.printed());
    assertInOrder(run.printed(),
        "Local run: events/warm-pool-return.json then events/warm-pool-terminate.json",
        "Auto Scaling  holds i-0a1b2c3d4e5f67890 at hook graceful-exit of web-asg (Warmed:Pending:Wait",
        "function      lifecycle action accepted from event 3f2a1b0c-3333-4a2b-9c3d-4e5f6a7b8c03",
        "function      runbook started as execution ",
        "Auto Scaling  lifecycle action completed with CONTINUE",
        "Auto Scaling  holds i-0a1b2c3d4e5f67890 at hook graceful-exit of web-asg (Warmed:Terminating:Wait",
        "function      lifecycle action accepted from event 3f2a1b0c-4444-4a2b-9c3d-4e5f6a7b8c04",
        "function      runbook started as execution ",
        "Auto Scaling  lifecycle action completed with CONTINUE",
        "StartAutomationExecution 2",
        "Auto Scaling ended the wait of i-0a1b2c3d4e5f67890 in Warmed:Pending:Wait: CONTINUE (completed)",
        "Auto Scaling ended the wait of i-0a1b2c3d4e5f67890 in Warmed:Terminating:Wait: CONTINUE (completed)");
  }

  /**
   * Fleet mode: one deployment, three groups; each tagged group runs the runbook its tag names, the
   * group without the tag is left alone after one read of the group.
   */
  @Test
  void inFleetModeTwoGroupsRunTheirOwnRunbooksAndAThirdIsLeftAlone() throws IOException {
    Run run = runToEnd("--fleet=true");

    assertEquals(LocalRun.Exit.HANDLED, run.exit(), run.printed());
    assertInOrder(run.printed(),
        "Local run: events/terminate.json for web-asg then events/terminate.json for batch-asg then "
            + "events/terminate.json for legacy-asg",
        "Fleet mode: one deployment for every group tagged lifecycle-orchestrator:runbook. web-asg is tagged default, "
            + "batch-asg is tagged drain-and-archive, legacy-asg is not tagged",
        "SSM           starts the runbook GracefulExit-ArchiveLogs on i-0a1b2c3d4e5f67890",
        "Auto Scaling  lifecycle action completed with CONTINUE: i-0a1b2c3d4e5f67890",
        "SSM           starts the runbook drain-and-archive on i-0b1b2c3d4e5f67890",
        "Auto Scaling  lifecycle action completed with CONTINUE: i-0b1b2c3d4e5f67890",
        "function      event ignored: group legacy-asg does not carry the tag lifecycle-orchestrator:runbook",
        "StartAutomationExecution 2",
        "Auto Scaling ended the wait of i-0a1b2c3d4e5f67890 in Terminating:Wait: CONTINUE (completed)",
        "Auto Scaling ended the wait of i-0b1b2c3d4e5f67890 in Terminating:Wait: CONTINUE (completed)",
        "Auto Scaling ended the wait of i-0c1b2c3d4e5f67890 in Terminating:Wait: still held");
  }

  @Test
  void aMalformedEventFailsTheInvocationWithoutACall() throws IOException {
    String printed = run("--event=events/malformed.json");

    assertInOrder(printed, "holds nothing", "ERROR lifecycle action event refused: detail.LifecycleActionToken is missing",
        "The stand-in answered 0 calls", "The invocation failed");
  }

  @Test
  void aRefusedEventEndsTheRunWithAFailureStatus() throws IOException {
    Run refused = runToEnd("--event=events/malformed.json");

    assertEquals(LocalRun.Exit.INVOCATION_FAILED, refused.exit(), refused.printed());
    assertTrue(refused.printed().contains("The invocation failed (exit status 1)"), refused.printed());
  }

  @Test
  void handledAndIgnoredEventsEndTheRunWell() throws IOException {
    assertEquals(LocalRun.Exit.HANDLED, runToEnd("--runbook=fails").exit());
    assertEquals(LocalRun.Exit.HANDLED, runToEnd("--event=events/test-notification.json").exit());
  }

  @Test
  void optionsAreReadFromTheirCommandLine() {
    assertEquals(new LocalRun.Options(Path.of("events/launch.json"), LocalRun.RunbookMode.SLOW, true, false, false, false, false),
        LocalRun.Options.parse("--event=events/launch.json", "--runbook=slow", "--throttled=true"));
    assertEquals(new LocalRun.Options(Path.of("events/terminate.json"), LocalRun.RunbookMode.SUCCEEDS, false, false, false, false, false),
        LocalRun.Options.parse());
    assertEquals(new LocalRun.Options(Path.of("events/launch.json"), LocalRun.RunbookMode.SUCCEEDS, false, true, false, false, false),
        LocalRun.Options.parse("--launch=true"));
    assertEquals(new LocalRun.Options(Path.of("events/warm-pool-return.json"), LocalRun.RunbookMode.SUCCEEDS, false,
        false, true, false, false), LocalRun.Options.parse("--warmPool=true"));
    assertEquals(List.of(Path.of("events/warm-pool-return.json"), Path.of("events/warm-pool-terminate.json")),
        LocalRun.Options.parse("--warmPool=true").events());
    LocalRun.Options options = LocalRun.Options.parse("--runbook=fails", "--throttled=true");
    assertEquals(options, LocalRun.Options.parse(options.arguments().toArray(String[]::new)));
    LocalRun.Options warmPool = LocalRun.Options.parse("--warmPool=true");
    assertEquals(warmPool, LocalRun.Options.parse(warmPool.arguments().toArray(String[]::new)));
    LocalRun.Options fleet = LocalRun.Options.parse("--fleet=true");
    assertEquals(fleet, LocalRun.Options.parse(fleet.arguments().toArray(String[]::new)));
  }

  @Test
  void mavenPropertiesGiveTheOptionsAndLeaveMavensAndJavasAlone() {
    Map<String, String> properties = Map.of("runbook", "slow", "throttled", "true",
        "maven.repo.local", "/tmp/repository", "skipTests", "true", "java.home", "/usr/lib/jvm/17", "runs", "3");

    assertEquals(new LocalRun.Options(Path.of("events/terminate.json"), LocalRun.RunbookMode.SLOW, true, false, false, false, false),
        LocalRun.Options.fromProperties(properties, Path.of("")));
  }

  @Test
  void aMisspeltOptionIsRefusedWithTheOptionItResembles() {
    assertUsageError(Map.of("runbok", "slow"), "unknown option -Drunbok; did you mean -Drunbook?");
    assertUsageError(Map.of("Throttled", "true"), "unknown option -DThrottled; did you mean -Dthrottled?");
    assertUsageError(Map.of("events", "events/launch.json"), "unknown option -Devents; did you mean -Devent?");
  }

  @Test
  void aValueAnOptionDoesNotTakeIsRefusedWithTheValuesItTakes() {
    assertUsageError(Map.of("runbook", "foo"), "-Drunbook=foo is not an option: -Drunbook takes succeeds, fails, slow");
    assertUsageError(Map.of("throttled", "yes"), "-Dthrottled=yes is not an option: -Dthrottled takes true, false");
    assertUsageError(Map.of("launch", "1"), "-Dlaunch=1 is not an option: -Dlaunch takes true, false");
    assertUsageError(Map.of("warmPool", "yes"), "-DwarmPool=yes is not an option: -DwarmPool takes true, false");
    assertUsageError(Map.of("warmpool", "true"), "unknown option -Dwarmpool; did you mean -DwarmPool?");
  }

  @Test
  void theWarmPoolScenarioRefusesAnEventOrALaunchOfItsOwn() {
    assertUsageError(Map.of("warmPool", "true", "event", "events/terminate.json"),
        "-DwarmPool delivers its own two events, events/warm-pool-return.json then events/warm-pool-terminate.json: "
            + "leave out -Devent");
    assertUsageError(Map.of("warmPool", "true", "launch", "true"), "-DwarmPool delivers its own two events");
  }

  @Test
  void theFleetScenarioRefusesAnEventALaunchOrTheWarmPool() {
    assertUsageError(Map.of("fleet", "true", "event", "events/launch.json"),
        "-Dfleet delivers events/terminate.json for each of its groups: leave out -Devent");
    assertUsageError(Map.of("fleet", "true", "launch", "true"), "-Dfleet delivers events/terminate.json for each of "
        + "its groups: leave out -Dlaunch");
    assertUsageError(Map.of("fleet", "true", "warmPool", "true"), "-Dfleet delivers events/terminate.json for each of "
        + "its groups: leave out -DwarmPool");
  }

  @Test
  void aMissingEmptyOrMalformedEventFileIsRefusedInOneLine(@TempDir Path directory) throws IOException {
    Files.writeString(directory.resolve("broken.json"), "{\n  \"source\": \"aws.autoscaling\",\n}\n");
    Files.writeString(directory.resolve("empty.json"), "");

    assertTrue(usageError(Map.of("event", "nowhere.json"), directory)
        .startsWith("-Devent=nowhere.json: no such file (looked for " + directory.resolve("nowhere.json")));
    assertTrue(usageError(Map.of("event", "broken.json"), directory)
        .matches("-Devent=broken.json is not JSON: .* at line 3, column 1"));
    assertEquals("-Devent=empty.json is empty: it must hold one JSON event", usageError(Map.of("event", "empty.json"), directory));
  }

  @Test
  void anArgumentThatIsNoOptionIsRefused() {
    LocalRun.UsageError wrong = assertThrows(LocalRun.UsageError.class, () -> LocalRun.Options.parse("terminate.json"));
    assertTrue(wrong.getMessage().startsWith("not an option: terminate.json (options: -Devent=FILE"), wrong.getMessage());
  }

  @Test
  void theRunGetsAJvmOfItsOwnWithTheCheckedOptions() {
    LocalRun.Options options = LocalRun.Options.parse("--runbook=slow");

    List<String> command = LocalRunCommand.command(options, "target/test-classes");

    assertEquals(List.of("-XX:TieredStopAtLevel=1", "-classpath", "target/test-classes", LocalRun.class.getName(),
        "--event=events/terminate.json", "--runbook=slow", "--throttled=false", "--launch=false",
        "--warmPool=false", "--fleet=false", "--statusEvent=false"), command.subList(1, command.size()));
  }

  private static void assertUsageError(Map<String, String> properties, String expected) {
    String message = usageError(properties, Path.of(""));
    assertTrue(message.startsWith(expected), message);
  }

  /** The one line a wrong option or event file gets. */
  private static String usageError(Map<String, String> properties, Path directory) {
    String message = assertThrows(LocalRun.UsageError.class,
        () -> LocalRun.Options.fromProperties(properties, directory)).getMessage();
    assertFalse(message.contains("\n"), message);
    return message;
  }

  /** What a run printed, and how it ended. */
  private record Run(String printed, LocalRun.Exit exit) {}

  /** The run on a virtual clock that starts a second after the sample events' time. */
  private static Run runToEnd(String... arguments) throws IOException {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    VirtualClock clock = new VirtualClock(Instant.parse("2026-11-25T13:00:01Z"));
    LocalRun.Exit exit = new LocalRun(LocalRun.Options.parse(arguments),
        new PrintStream(printed, true, StandardCharsets.UTF_8), clock).run();
    return new Run(printed.toString(StandardCharsets.UTF_8), exit);
  }

  private static String run(String... arguments) throws IOException {
    return runToEnd(arguments).printed();
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
