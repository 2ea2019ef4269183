package com.lifecycleorchestrator.handler;

import static com.lifecycleorchestrator.testkit.TerminateSample.DOCUMENT;
import static com.lifecycleorchestrator.testkit.TerminateSample.GROUP;
import static com.lifecycleorchestrator.testkit.TerminateSample.HELD_SINCE;
import static com.lifecycleorchestrator.testkit.TerminateSample.HOOK;
import static com.lifecycleorchestrator.testkit.TerminateSample.INSTANCE;
import static com.lifecycleorchestrator.testkit.TerminateSample.TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Timings;
import com.lifecycleorchestrator.standin.AwsStandIn;
import com.lifecycleorchestrator.standin.StandInLambda;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Cause;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Ending;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Hook;
import com.lifecycleorchestrator.standin.StandInSsm;
import com.lifecycleorchestrator.standin.StandInSsm.Document;
import com.lifecycleorchestrator.standin.StandInSsm.Script;
import com.lifecycleorchestrator.standin.StandInSsm.TokenReuse;
import com.lifecycleorchestrator.testkit.CapturedOutput;
import com.lifecycleorchestrator.testkit.FakeContext;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The function end to end, as Lambda runs it: the raw bytes of {@code events/terminate.json}
 * through {@link LifecycleHandler#handleRequest}, its settings from environment variables, its
 * real SDK clients with their serialization, retries and error mapping, against the AWS stand-in.
 * The function and the stand-in share a virtual clock, so a ten-minute runbook costs no wall time;
 * what is asserted is what Auto Scaling ends up doing with the instance.
 */
class HandlerAgainstStandInTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EVENTS = Path.of("events");

  private final VirtualClock clock = new VirtualClock(HELD_SINCE.plusSeconds(2));
  private final AwsStandIn standIn = AwsStandIn.start(clock);
  private final Map<String, String> environment = new HashMap<>(Map.of(
      "AWS_REGION", AwsStandIn.REGION,
      "AUTOMATION_DOCUMENT_NAME", DOCUMENT,
      "AUTOMATION_PARAMETERS", "{\"S3BucketName\": [\"my-logs\"]}",
      "HEARTBEAT_TIMEOUT_SECONDS", "3600"));

  @BeforeEach
  void holdTheInstance() {
    standIn.ssm()
        .document(Document.declaring(DOCUMENT, "InstanceId", "S3BucketName", "AutomationAssumeRole")
            .requiring("InstanceId"))
        .everyExecution(Script.succeedsAfter(Duration.ofSeconds(45)))
        .managedInstance(INSTANCE, "Online");
    standIn.autoScaling()
        .hook(Hook.terminating(GROUP, HOOK, Duration.ofHours(1), "ABANDON"))
        .hold(GROUP, HOOK, INSTANCE, TOKEN, HELD_SINCE);
  }

  @AfterEach
  void stopStandIn() {
    standIn.close();
  }

  @Test
  void aRunbookThatSucceedsReleasesTheInstanceWithContinue() {
    JsonNode returned = invoke("terminate.json");

    assertEquals("Completed", returned.path("outcome").asText());
    assertEquals("CONTINUE", returned.path("result").asText());
    assertEquals("Success", returned.path("final_status").asText());
    assertEnded("CONTINUE");
    var execution = standIn.ssm().executions().get(0);
    assertEquals(List.of(INSTANCE), execution.parameters().get("InstanceId"));
    assertEquals(List.of("my-logs"), execution.parameters().get("S3BucketName"));
    assertEquals(HOOK, execution.tags().get("lifecycle-instance:" + INSTANCE));
    assertEquals(TOKEN, execution.tags().get("lifecycle-token"));
    assertEquals("CONTINUE", execution.tags().get("lifecycle-released"), "the action's record says it was released");
    assertEquals(1, execution.tags().keySet().stream().filter(key -> key.startsWith("lifecycle-seat:")).count());
    assertEquals(execution.id(), returned.path("execution_id").asText());
  }

  /**
   * "Warm pool instance lifecycle" (EC2 Auto Scaling User Guide): with instance reuse, one instance
   * returns to the warm pool on scale-in and is terminated from it later; each of the two terminate
   * actions runs its own runbook and is completed with its own result.
   */
  @Test
  void anInstanceReturnedToTheWarmPoolThenTerminatedGetsTwoRunbooksAndTwoCompletions() {
    String toPool = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e";
    String fromPool = "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f";
    standIn.autoScaling().holdIn(GROUP, HOOK, INSTANCE, toPool, Instant.parse("2026-11-25T12:59:58Z"),
        "Warmed:Pending:Wait", "Moving EC2 instance " + INSTANCE + " into the warm pool");
    JsonNode returned = invoke("warm-pool-return.json");
    clock.advance(Duration.ofHours(3));
    standIn.ssm().everyExecution(Script.endsAfter(Duration.ofSeconds(20), "Failed"));
    standIn.autoScaling().holdIn(GROUP, HOOK, INSTANCE, fromPool, Instant.parse("2026-11-25T15:59:58Z"),
        "Warmed:Terminating:Wait", "Terminating EC2 instance: " + INSTANCE);
    JsonNode terminated = invoke("warm-pool-terminate.json");

    assertEquals(2, standIn.ssm().executions().size(), "one execution per lifecycle action");
    assertEquals("CONTINUE", returned.path("result").asText());
    assertEquals("ABANDON", terminated.path("result").asText(), "the second action's own runbook failed");
    assertEquals("CONTINUE", standIn.autoScaling().ending(toPool).orElseThrow().result());
    assertEquals("ABANDON", standIn.autoScaling().ending(fromPool).orElseThrow().result());
  }

  @Test
  void aReturnToTheWarmPoolIsReleasedAtOnceWhenTheSettingSaysContinue() {
    environment.put("WARM_POOL_RETURN", "CONTINUE");
    String toPool = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e";
    standIn.autoScaling().holdIn(GROUP, HOOK, INSTANCE, toPool, Instant.parse("2026-11-25T12:59:58Z"),
        "Warmed:Pending:Wait", "Moving EC2 instance " + INSTANCE + " into the warm pool");

    JsonNode returned = invoke("warm-pool-return.json");

    assertEquals("CONTINUE", returned.path("result").asText());
    assertTrue(standIn.ssm().executions().isEmpty());
    assertEquals(Optional.of("Warmed:Stopped"), standIn.autoScaling().lifecycleState(INSTANCE));
  }

  /**
   * "Control instance retention with instance lifecycle policies": a group whose policy retains
   * instances on TerminateHookAbandon keeps an abandoned instance, and the final line says so.
   */
  @Test
  void anAbandonedInstanceOfARetainingGroupIsReportedRetained() {
    standIn.autoScaling().retainsAbandoned(GROUP);
    standIn.ssm().everyExecution(Script.endsAfter(Duration.ofSeconds(20), "Failed"));

    JsonNode returned = invoke("terminate.json");

    assertEquals("ABANDON", returned.path("result").asText());
    assertEquals("retained", returned.path("instance_fate").asText());
    assertEquals(Optional.of("Terminating:Retained"), standIn.autoScaling().lifecycleState(INSTANCE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Failed", "TimedOut", "Cancelled"})
  void aRunbookThatFailsReleasesTheInstanceWithAbandon(String finalStatus) {
    standIn.ssm().everyExecution(Script.endsAfter(Duration.ofSeconds(20), finalStatus));

    JsonNode returned = invoke("terminate.json");

    assertEquals("ABANDON", returned.path("result").asText());
    assertEquals(finalStatus, returned.path("final_status").asText());
    assertEnded("ABANDON");
  }

  @ParameterizedTest
  @CsvSource({
      "No-Such-Runbook, '{}', AutomationDefinitionNotFoundException",
      "GracefulExit-ArchiveLogs, '{\"Unknown\": [\"x\"]}', InvalidAutomationExecutionParametersException"})
  void aRunbookThatCannotStartReleasesTheInstanceWithTheFailureResultAtOnce(
      String document, String parameters, String error) {
    environment.put("AUTOMATION_DOCUMENT_NAME", document);
    environment.put("AUTOMATION_PARAMETERS", parameters);
    Instant invokedAt = clock.now();

    JsonNode returned = invoke("terminate.json");

    assertEquals("ABANDON", returned.path("result").asText());
    assertTrue(returned.path("reason").asText().contains(error), returned.toString());
    assertEnded("ABANDON");
    assertEquals(invokedAt, standIn.autoScaling().ending(TOKEN).orElseThrow().at());
    assertTrue(standIn.calls("GetAutomationExecution").isEmpty());
  }

  @ParameterizedTest
  @EnumSource(TokenReuse.class)
  void theSameEventTwiceAtOnceRunsOneRunbookAndCompletesTheActionOnce(TokenReuse tokenReuse) throws Exception {
    standIn.ssm().tokenReuse(tokenReuse);
    CyclicBarrier together = new CyclicBarrier(2);
    List<Callable<JsonNode>> deliveries = new ArrayList<>();
    for (int environments = 0; environments < 2; environments++) {
      // Two execution environments of the function, each with its own clients, as Lambda runs them.
      LifecycleHandler handler = LocalFunction.against(standIn, environment, clock);
      deliveries.add(() -> {
        together.await();
        return handle(handler, read("terminate.json"));
      });
    }
    ExecutorService lambda = Executors.newFixedThreadPool(2);
    List<JsonNode> returned;
    try {
      List<Future<JsonNode>> delivered = lambda.invokeAll(deliveries);
      returned = List.of(delivered.get(0).get(), delivered.get(1).get());
    } finally {
      lambda.shutdownNow();
    }

    assertEquals(1, standIn.ssm().executions().size());
    assertEquals(returned.get(0).path("execution_id"), returned.get(1).path("execution_id"));
    assertEquals(1, standIn.calls("CompleteLifecycleAction").stream().filter(AwsStandIn.Call::succeeded).count());
    assertEnded("CONTINUE");
    for (JsonNode outcome : returned) {
      assertTrue(List.of("Completed", "AlreadyCompleted").contains(outcome.path("outcome").asText()), outcome.toString());
    }
  }

  /**
   * "DescribeInstanceInformation" and "DescribeAutomationExecutions" (SSM API Reference): a listing
   * ends only when NextToken is empty, and a filtered page may be empty with a NextToken (aws/boto3
   * issue 2643). The agent and the action's own execution are found on a later page all the same:
   * here the first delivery's result is refused, and the redelivery finds and follows the execution
   * the first one started, behind the other runbooks' pages.
   */
  @Test
  void listingsThatAnswerEmptyPagesFirstAreReadToThePageThatHoldsTheAgentAndTheEarlierExecution() {
    List<String> others = List.of("i-00000000000000001", "i-00000000000000002", "i-00000000000000003");
    others.forEach(other -> standIn.ssm().managedInstance(other, "Online"));
    standIn.ssm().filtersAfterReading(1).tokenReuse(TokenReuse.REFUSED);
    standIn.faults().on("CompleteLifecycleAction").deny();

    assertThrows(LifecycleHandler.LifecycleActionNotHandled.class, () -> invoke("terminate.json"),
        "the refused result fails the invocation, so that Lambda delivers it again");
    String firstExecution = standIn.ssm().executions().get(0).id();
    standIn.faults().clear();
    others.forEach(this::startAnotherExecution);
    JsonNode redelivered = invoke("terminate.json");

    assertEquals("Completed", redelivered.path("outcome").asText(), redelivered.toString());
    assertEquals(firstExecution, redelivered.path("execution_id").asText(),
        "the redelivery found the first execution behind the empty pages");
    assertEquals(1 + others.size(), standIn.ssm().executions().size());
    assertEnded("CONTINUE");
    assertTrue(answeredAnEmptyPageWithANextToken("DescribeInstanceInformation", "InstanceInformationList"));
    assertTrue(answeredAnEmptyPageWithANextToken("DescribeAutomationExecutions", "AutomationExecutionMetadataList"));
  }

  private boolean answeredAnEmptyPageWithANextToken(String operation, String listMember) {
    return standIn.calls(operation).stream().anyMatch(call -> call.succeeded()
        && call.output("NextToken").isPresent()
        && call.response().keySet().stream().noneMatch(key -> key.startsWith(listMember + ".")));
  }

  /** An execution of the same runbook for another instance, started by someone else. */
  private void startAnotherExecution(String instance) {
    try (SsmClient ssm = standIn.newSsmClient()) {
      ssm.startAutomationExecution(request -> request.documentName(DOCUMENT)
          .parameters(Map.of("InstanceId", List.of(instance))));
    }
  }

  @Test
  void anActionAlreadyCompletedElsewhereIsASuccessNotAnError() {
    standIn.autoScaling().completeElsewhere(TOKEN, "CONTINUE");

    JsonNode returned = invoke("terminate.json");

    assertEquals("AlreadyCompleted", returned.path("outcome").asText());
    assertEquals("ValidationError", standIn.calls("RecordLifecycleActionHeartbeat").get(0).answer(),
        "the heartbeat that names the token finds no active action: no runbook is started for it");
    assertTrue(standIn.ssm().executions().isEmpty());
    assertEnded("CONTINUE");
  }

  @Test
  void aThirdOfCallsThrottledChangesNothing() {
    standIn.faults().everyOperation().throttle(0.3);

    JsonNode returned = invoke("terminate.json");

    assertEquals("Completed", returned.path("outcome").asText());
    assertEquals("CONTINUE", returned.path("result").asText());
    assertEnded("CONTINUE");
    assertEquals(1, standIn.ssm().executions().size());
    assertTrue(standIn.calls().stream().anyMatch(call -> call.answer().startsWith("Throttling")),
        "no call was throttled, so this test proved nothing: " + standIn.calls());
  }

  @Test
  void aBurstOfServerErrorsAndDroppedConnectionsChangesNothing() {
    standIn.faults().everyOperation().failNext(3, 503);
    standIn.faults().on("StartAutomationExecution").loseAnswerOfNext(1);
    standIn.faults().on("GetAutomationExecution").dropNext(2);
    standIn.faults().on("CompleteLifecycleAction").failNext(2, 500);

    JsonNode returned = invoke("terminate.json");

    assertEquals("Completed", returned.path("outcome").asText());
    assertEquals("CONTINUE", returned.path("result").asText());
    assertEnded("CONTINUE");
    assertEquals(1, standIn.ssm().executions().size(),
        "the start whose answer was lost was sent again with the same client token");
    List<String> answers = standIn.calls().stream().map(AwsStandIn.Call::answer).toList();
    for (String fault : List.of("ServiceUnavailable", "InternalFailure", "dropped", "answer lost")) {
      assertTrue(answers.contains(fault), "no call met " + fault + ", so this test proved less than it says: " + answers);
    }
  }

  @Test
  void aCompletionWhoseAnswerIsLostIsNotSentTwice() {
    standIn.faults().on("CompleteLifecycleAction").loseAnswerOfNext(1);

    JsonNode returned = invoke("terminate.json");

    assertEquals("AlreadyCompleted", returned.path("outcome").asText(),
        "the retried completion finds the action completed by the first, whose answer was lost");
    assertEnded("CONTINUE");
  }

  @Test
  void aLongRunbookIsWaitedForWithHeartbeatsThatKeepTheHookAlive() {
    Duration heartbeatTimeout = Duration.ofSeconds(60);
    standIn.autoScaling().hook(Hook.terminating(GROUP, HOOK, heartbeatTimeout, "ABANDON"))
        .hold(GROUP, HOOK, INSTANCE, TOKEN, HELD_SINCE);
    environment.put("HEARTBEAT_TIMEOUT_SECONDS", "60");
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofMinutes(10)));

    JsonNode returned = invoke("terminate.json");

    assertEquals("CONTINUE", returned.path("result").asText());
    assertEnded("CONTINUE");
    List<Instant> heartbeats = standIn.autoScaling().heartbeats(TOKEN);
    assertTrue(heartbeats.size() >= 20, "a ten-minute runbook needs a heartbeat every 24 s: " + heartbeats.size());
    Instant previous = HELD_SINCE;
    for (Instant heartbeat : heartbeats) {
      assertTrue(Duration.between(previous, heartbeat).compareTo(heartbeatTimeout) < 0,
          "the hook went " + Duration.between(previous, heartbeat) + " without a heartbeat");
      previous = heartbeat;
    }
  }

  // "LifecycleHook" and "DescribeLifecycleHooks" (Amazon EC2 Auto Scaling API Reference): the
  // heartbeat timeout is the hook's own, whatever HEARTBEAT_TIMEOUT_SECONDS says.
  @Test
  void aHookWithAShorterHeartbeatTimeoutThanTheSettingIsKeptAliveByItsOwn() {
    standIn.autoScaling().hook(Hook.terminating(GROUP, HOOK, Duration.ofSeconds(60), "ABANDON"))
        .hold(GROUP, HOOK, INSTANCE, TOKEN, HELD_SINCE);
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofMinutes(3)));

    JsonNode returned = invoke("terminate.json");

    assertEquals("Completed", returned.path("outcome").asText(), returned.toString());
    assertEnded("CONTINUE");
    List<Instant> heartbeats = standIn.autoScaling().heartbeats(TOKEN);
    assertTrue(heartbeats.size() >= 3, "three minutes on a one-minute hook: " + heartbeats);
    assertEquals(heartbeats.size(), standIn.calls("DescribeLifecycleHooks").size(),
        "read at the start and again after each heartbeat but the claim's, since a heartbeat extends the hold by "
            + "the hook's timeout as it is then (RecordLifecycleActionHeartbeat)");
  }

  // "Troubleshoot access denied error messages" (IAM User Guide): a role without
  // autoscaling:DescribeLifecycleHooks is answered AccessDenied; the setting stands in for the hook.
  @Test
  void aHookTheRoleMayNotReadIsHeartbeatByTheSettingWithOneWarning() {
    standIn.faults().on("DescribeLifecycleHooks").deny();

    List<JsonNode> lines = CapturedOutput.logLinesOf(() -> invoke("terminate.json"));

    assertEnded("CONTINUE");
    assertTrue(standIn.calls("DescribeLifecycleHooks").get(0).answer().startsWith("AccessDenied"),
        standIn.calls("DescribeLifecycleHooks").toString());
    List<JsonNode> warnings = lines.stream()
        .filter(line -> line.path("message").asText().contains("DescribeLifecycleHooks")).toList();
    assertEquals(1, warnings.size(), lines.toString());
    assertEquals("WARN", warnings.get(0).path("level").asText());
  }

  // "Troubleshooting managed node availability" (AWS Systems Manager User Guide): a launching
  // instance's agent registers once the instance has booted, after its launch action is delivered.
  @Test
  void aLaunchWaitsForAnAgentThatRegistersLateThenRunsTheLaunchRunbook() {
    String launched = heldLaunch();
    standIn.ssm().launchedInstance(launched);

    JsonNode returned = handle(LocalFunction.against(standIn, environment, clock), launchEvent());

    assertEquals("CONTINUE", returned.path("result").asText(), returned.toString());
    var execution = standIn.ssm().executions().get(0);
    assertEquals(LAUNCH_DOCUMENT, execution.documentName());
    assertTrue(execution.startedAt().isAfter(HELD_SINCE.plus(StandInSsm.AGENT_REGISTRATION_DELAY)),
        "the runbook started at " + execution.startedAt() + ", before the agent registered");
    assertEquals(Optional.of("InService"), standIn.autoScaling().lifecycleState(launched));
  }

  @Test
  void aLaunchWhoseAgentNeverRegistersGetsTheFailureResultSayingSoAtTheBound() {
    environment.put("AGENT_WAIT_SECONDS", "120");
    String launched = heldLaunch();

    JsonNode returned = handle(LocalFunction.against(standIn, environment, clock), launchEvent());

    assertEquals("ABANDON", returned.path("result").asText(), returned.toString());
    assertTrue(returned.path("reason").asText().contains("did not come online within 120 s"), returned.toString());
    assertEquals(List.of(), standIn.calls("StartAutomationExecution"));
    assertEquals(Optional.empty(), standIn.autoScaling().lifecycleState(launched));
  }

  // "Common Errors" (Amazon EC2 Auto Scaling API Reference): Throttling, HTTP 400; in a large
  // scale-in it lasts longer than one call's SDK retries.
  @Test
  void aCompletionThrottledPastTheSdksRetriesIsSentAgainNotDropped() {
    standIn.faults().on("CompleteLifecycleAction").throttleNext(3 * FEW_ATTEMPTS.attempts());

    JsonNode returned = handle(LocalFunction.against(standIn, environment, clock, FEW_ATTEMPTS), read("terminate.json"));

    assertEquals("Completed", returned.path("outcome").asText(), returned.toString());
    assertEnded("CONTINUE");
    assertEquals(3 * FEW_ATTEMPTS.attempts() + 1, standIn.calls("CompleteLifecycleAction").size());
  }

  /**
   * SDK calls of two attempts each: the SDK's own backoff sleeps on the wall clock, so a call
   * throttled past its retries costs a second here instead of half a minute with the function's own.
   */
  private static final Timings.Sdk FEW_ATTEMPTS = new Timings.Sdk(2, Duration.ofSeconds(10), Duration.ofSeconds(30));

  private static final String LAUNCH_DOCUMENT = "GracefulLaunch-Warmup";
  private static final String LAUNCH_HOOK = "graceful-launch";

  /** The launch action of {@code events/launch.json}, held since the terminate sample's time; its instance. */
  private String heldLaunch() {
    JsonNode detail = readJson(launchEvent()).path("detail");
    environment.put("LAUNCH_AUTOMATION_DOCUMENT_NAME", LAUNCH_DOCUMENT);
    standIn.ssm().document(Document.declaring(LAUNCH_DOCUMENT, "InstanceId", "S3BucketName").requiring("InstanceId"));
    standIn.autoScaling().hook(Hook.launching(GROUP, LAUNCH_HOOK, Duration.ofHours(1), "ABANDON"))
        .hold(GROUP, LAUNCH_HOOK, detail.path("EC2InstanceId").asText(), detail.path("LifecycleActionToken").asText(),
            HELD_SINCE);
    return detail.path("EC2InstanceId").asText();
  }

  /** {@code events/launch.json}, sent as the instance launches. */
  private static byte[] launchEvent() {
    ObjectNode event = (ObjectNode) readJson(read("launch.json"));
    event.put("time", HELD_SINCE.toString());
    return event.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode readJson(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void anInstanceWhoseAgentIsOfflineGetsTheFailureResultWithoutARunbook() {
    standIn.ssm().managedInstance(INSTANCE, "ConnectionLost");

    JsonNode returned = invoke("terminate.json");

    assertEquals("ABANDON", returned.path("result").asText());
    assertTrue(returned.path("reason").asText().contains("ConnectionLost"), returned.toString());
    assertEnded("ABANDON");
    assertEquals(List.of(), standIn.calls("StartAutomationExecution"));
  }

  @Test
  void anInstanceSsmDoesNotManageGetsTheFailureResultSayingSoNotAnAgentOffline() throws IOException {
    String unmanaged = "i-0f0e0d0c0b0a09080";
    String token = "11111111-2222-3333-4444-555555555555";
    standIn.autoScaling().hold(GROUP, HOOK, unmanaged, token, HELD_SINCE);
    String event = Files.readString(EVENTS.resolve("terminate.json"))
        .replace(INSTANCE, unmanaged).replace(TOKEN, token);

    JsonNode returned = handle(LocalFunction.against(standIn, environment, clock),
        event.getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(15));

    assertEquals("ABANDON", returned.path("result").asText());
    assertTrue(returned.path("reason").asText().contains("SSM does not manage the instance"), returned.toString());
    assertEquals("ABANDON", standIn.autoScaling().ending(token).orElseThrow().result());
    assertEquals(List.of(), standIn.calls("StartAutomationExecution"));
  }

  @Test
  void aGroupBeingDeletedGetsItsInstanceReleasedAtOnce() {
    standIn.autoScaling().deleting(GROUP);

    JsonNode returned = invoke("terminate.json");

    assertEquals("CONTINUE", returned.path("result").asText());
    assertEnded("CONTINUE");
    assertEquals(List.of(), standIn.calls("StartAutomationExecution"));
  }

  @Test
  void aRunbookLongerThanAnInvocationIsHandedOverToFreshInvocationsUntilItEnds() throws InterruptedException {
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofMinutes(5)));
    Duration invocation = Duration.ofMinutes(2);
    deliverInvocationsToTheFunction(invocation);

    JsonNode first = handle(LocalFunction.against(standIn, environment, clock), read("terminate.json"), invocation);

    assertEquals("HandedOver", first.path("outcome").asText(), first.toString());
    assertTrue(standIn.lambda().awaitDeliveries(Duration.ofSeconds(60)), "the hand-overs did not end");
    List<StandInLambda.Delivery> deliveries = standIn.lambda().deliveries();
    assertTrue(deliveries.size() >= 2, "five minutes of runbook in two-minute invocations: " + deliveries.size());
    assertTrue(deliveries.stream().allMatch(delivery -> delivery.failure().isEmpty()), deliveries.toString());
    assertEnded("CONTINUE");
    assertEquals(1, standIn.ssm().executions().size());
  }

  @Test
  void anActionWhoseEventWasLostIsRecoveredByTheReconcilerAndCompletedByInstance() throws InterruptedException {
    environment.putAll(Map.of("AUTO_SCALING_GROUP_NAMES", GROUP, "LIFECYCLE_HOOK_NAME", HOOK));
    deliverInvocationsToTheFunction(Duration.ofMinutes(15));

    JsonNode pass = invoke("scheduled.json");

    assertEquals("Reconciled", pass.path("outcome").asText(), pass.toString());
    assertEquals(1, pass.path("actions_recovered").asInt(), pass.toString());
    assertTrue(standIn.lambda().awaitDeliveries(Duration.ofSeconds(60)), "the recovered action was not handled");
    assertEnded("CONTINUE");
    AwsStandIn.Call completion = standIn.calls("CompleteLifecycleAction").get(0);
    assertEquals(Optional.empty(), completion.member("LifecycleActionToken"),
        "the reconciler knows the instance, not the token the lost event carried");
    assertEquals(Optional.of(INSTANCE), completion.member("InstanceId"));
  }

  /**
   * Fleet mode through the real SDK: the group's tags come with its description, an event of a group
   * without the opt-in tag is left alone, and one of a tagged group runs the runbook its tag names.
   */
  @Test
  void inFleetModeAGroupIsLeftAloneUntilItsTagNamesTheRunbookItThenRuns() {
    environment.putAll(Map.of("FLEET_MODE", "true", "LIFECYCLE_HOOK_NAME", HOOK, "ALLOWED_RUNBOOKS", "drain-and-archive"));
    standIn.ssm().document(Document.declaring("drain-and-archive", "InstanceId").requiring("InstanceId"));

    JsonNode untagged = invoke("terminate.json");
    standIn.autoScaling().tag(GROUP, "lifecycle-orchestrator:runbook", "drain-and-archive");
    JsonNode tagged = invoke("terminate.json");

    assertEquals("Ignored", untagged.path("outcome").asText(), untagged.toString());
    assertEquals("Completed", tagged.path("outcome").asText(), tagged.toString());
    assertEnded("CONTINUE");
    assertEquals(List.of("drain-and-archive"),
        standIn.ssm().executions().stream().map(StandInSsm.ExecutionView::documentName).toList());
  }

  /**
   * In fleet mode the reconciler finds the groups by their tag, page by page ("Use tags to filter
   * Auto Scaling groups": a tag-key filter; DescribeAutoScalingGroups answers at most 50 a page), and
   * recovers a lost action of a group on a later page.
   */
  @Test
  void inFleetModeTheReconcilerFindsTheTaggedGroupsOnEveryPageAndRecoversTheirLostActions() throws InterruptedException {
    environment.putAll(Map.of("FLEET_MODE", "true", "LIFECYCLE_HOOK_NAME", HOOK));
    for (int i = 0; i < 60; i++) {
      standIn.autoScaling().hook(Hook.terminating("quiet-asg-" + i, HOOK, Duration.ofHours(1), "ABANDON"))
          .tag("quiet-asg-" + i, "lifecycle-orchestrator:runbook", "default");
    }
    standIn.autoScaling().tag(GROUP, "lifecycle-orchestrator:runbook", "default");
    deliverInvocationsToTheFunction(Duration.ofMinutes(15));

    JsonNode pass = invoke("scheduled.json");

    assertEquals(1, pass.path("actions_recovered").asInt(), pass.toString());
    assertEquals(2, standIn.calls("DescribeAutoScalingGroups").stream()
        .filter(call -> call.member("Filters.1.Name").equals(Optional.of("tag-key"))).count(),
        "61 groups come in two pages");
    assertTrue(standIn.lambda().awaitDeliveries(Duration.ofSeconds(60)), "the recovered action was not handled");
    assertEnded("CONTINUE");
  }

  /**
   * The seam between the event's invocation, its hand-over and the reconciler, through the real SDK.
   * "How Lambda handles errors and retries with asynchronous invocation": an accepted event "might
   * also be deleted from the queue without being sent to the function". Here the hand-over is
   * accepted and never delivered. A pass while the follower is alive keeps the action alive and
   * starts nothing; a pass after a heartbeat interval without its sign of life takes it over, and
   * the taker follows the same execution and completes the action by its token.
   */
  @Test
  void aReconcilerPassDuringTheRunbookStartsNothingAndALostHandOverIsTakenOver() {
    environment.putAll(Map.of("AUTO_SCALING_GROUP_NAMES", GROUP, "LIFECYCLE_HOOK_NAME", HOOK));
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofMinutes(60)));
    List<byte[]> accepted = acceptInvocationsWithoutDelivering();

    JsonNode first = handle(LocalFunction.against(standIn, environment, clock), read("terminate.json"),
        Duration.ofMinutes(2));
    clock.advance(Duration.ofMinutes(5));
    JsonNode whileFollowed = invoke("scheduled.json");
    clock.advance(Duration.ofMinutes(25));
    JsonNode afterTheFollowerIsGone = invoke("scheduled.json");

    assertEquals("HandedOver", first.path("outcome").asText(), first.toString());
    assertEquals(0, whileFollowed.path("actions_recovered").asInt(), whileFollowed.toString());
    assertEquals(1, afterTheFollowerIsGone.path("actions_recovered").asInt(), afterTheFollowerIsGone.toString());
    assertEquals(3, standIn.autoScaling().heartbeats(TOKEN).size(), "the claim's, then one by each pass");
    JsonNode last = followTheLastAccepted(accepted);
    assertEquals("Completed", last.path("outcome").asText(), last.toString());
    assertEnded("CONTINUE");
    assertEquals(1, standIn.ssm().executions().size());
    assertEquals(Optional.of(TOKEN), standIn.calls("CompleteLifecycleAction").get(0).member("LifecycleActionToken"));
  }

  /**
   * The event is late (EventBridge retries a delivery for up to 24 hours, "Event retry policy and
   * using dead-letter queues"), and the reconciler has meanwhile handed its action to an invocation
   * that started the runbook. The event's own look-up finds that execution by the scaling activity
   * holding the instance, adopts it (its token now on the execution) and completes the action by its
   * token: one runbook, whatever the order.
   */
  @Test
  void aLateEventFollowsTheRunbookThatTheReconcilersHandOverStartedForItsAction() {
    environment.putAll(Map.of("AUTO_SCALING_GROUP_NAMES", GROUP, "LIFECYCLE_HOOK_NAME", HOOK));
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofMinutes(10)));
    List<byte[]> accepted = acceptInvocationsWithoutDelivering();

    JsonNode pass = invoke("scheduled.json");
    JsonNode recovered = handle(LocalFunction.against(standIn, environment, clock), onlyAccepted(accepted),
        Duration.ofMinutes(2));
    JsonNode late = invoke("terminate.json");

    assertEquals(1, pass.path("actions_recovered").asInt(), pass.toString());
    assertEquals("HandedOver", recovered.path("outcome").asText(), recovered.toString());
    assertEquals("Completed", late.path("outcome").asText(), late.toString());
    var execution = standIn.ssm().executions().get(0);
    assertEquals(1, standIn.ssm().executions().size());
    assertEquals(execution.id(), late.path("execution_id").asText());
    assertEquals(TOKEN, execution.tags().get("lifecycle-token"), "the event adopted the execution");
    assertTrue(execution.tags().containsKey("lifecycle-activity"), "the reconciler's hand-over started it");
    assertEnded("CONTINUE");
  }

  /**
   * "Amazon EventBridge event examples for Systems Manager": the execution's status-change event,
   * shaped as events/runbook-ended.json, releases the action whose execution it names, through the
   * real SDK's ListTagsForResource; EventBridge delivers at least once, and its repetition releases
   * nothing; the wait the function handed over finds its action released.
   */
  @Test
  void theRunbooksStatusChangeEventReleasesItsActionOnceAndTheWaitHandedOverFindsItReleased() throws IOException {
    environment.put("RUNBOOK_STATUS_EVENTS", "true");
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofMinutes(10)));
    List<byte[]> accepted = acceptInvocationsWithoutDelivering();
    JsonNode first = handle(LocalFunction.against(standIn, environment, clock), read("terminate.json"),
        Duration.ofMinutes(2));
    assertEquals("HandedOver", first.path("outcome").asText(), first.toString());
    List<Instant> polls = standIn.calls("GetAutomationExecution").stream().map(AwsStandIn.Call::at).toList();
    assertTrue(java.util.stream.IntStream.range(1, polls.size())
            .anyMatch(i -> !polls.get(i).isBefore(polls.get(i - 1).plusSeconds(60))),
        "a few short polls, then the fallback's, a minute apart without a waiting room: " + polls);
    var execution = standIn.ssm().executions().get(0);
    clock.advance(Duration.ofMinutes(9));
    ObjectNode ended = (ObjectNode) JSON.readTree(read("runbook-ended.json"));
    ((ObjectNode) ended.get("detail")).put("ExecutionId", execution.id()).put("Definition", DOCUMENT)
        .remove("EndTime");
    ended.put("time", clock.now().toString());
    byte[] event = JSON.writeValueAsBytes(ended);

    JsonNode released = handle(LocalFunction.against(standIn, environment, clock), event);
    JsonNode again = handle(LocalFunction.against(standIn, environment, clock), event);
    JsonNode handedOver = handle(LocalFunction.against(standIn, environment, clock), onlyAccepted(accepted));

    assertEquals("Completed", released.path("outcome").asText(), released.toString());
    assertEquals("CONTINUE", released.path("result").asText());
    assertEquals(execution.id(), released.path("execution_id").asText());
    assertEnded("CONTINUE");
    assertEquals("CONTINUE", standIn.ssm().executions().get(0).tags().get("lifecycle-released"));
    assertEquals("Ignored", again.path("outcome").asText(), again.toString());
    assertTrue(again.path("reason").asText().contains("released already"), again.toString());
    assertEquals("AlreadyCompleted", handedOver.path("outcome").asText(), handedOver.toString());
    assertEquals(1, standIn.calls("CompleteLifecycleAction").stream().filter(AwsStandIn.Call::succeeded).count());
  }

  /** The function's own asynchronous invocations are accepted and kept, and reach no handler by themselves. */
  private List<byte[]> acceptInvocationsWithoutDelivering() {
    List<byte[]> accepted = Collections.synchronizedList(new ArrayList<>());
    standIn.lambda().function(FakeContext.FUNCTION_NAME, payload -> {
      accepted.add(payload);
      return new byte[0];
    });
    return accepted;
  }

  private byte[] onlyAccepted(List<byte[]> accepted) {
    awaitTheDeliveries();
    assertEquals(1, accepted.size(), "asynchronous invocations accepted");
    return accepted.get(0);
  }

  /** Runs the last accepted invocation, and each hand-over it makes, in 15-minute invocations to the end. */
  private JsonNode followTheLastAccepted(List<byte[]> accepted) {
    awaitTheDeliveries();
    byte[] next = accepted.get(accepted.size() - 1);
    while (true) {
      int before = accepted.size();
      JsonNode outcome = handle(LocalFunction.against(standIn, environment, clock), next);
      awaitTheDeliveries();
      if (!outcome.path("outcome").asText().equals("HandedOver")) {
        return outcome;
      }
      assertEquals(before + 1, accepted.size(), "one hand-over per invocation");
      next = accepted.get(before);
    }
  }

  private void awaitTheDeliveries() {
    try {
      assertTrue(standIn.lambda().awaitDeliveries(Duration.ofSeconds(60)), "the stand-in did not take the invocations");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * "Use lifecycle hooks with a warm pool" and "Warm pool instance lifecycle" (EC2 Auto Scaling User
   * Guide): an instance returned to the pool on scale-in waits in Warmed:Pending:Wait, which
   * DescribeWarmPool lists and DescribeAutoScalingGroups does not, and which a launch into the pool
   * reaches too. Its event lost, the pass finds it in the pool, tries both hooks, and the terminate
   * hook that holds it gets the terminate runbook and its completion.
   */
  @Test
  void aReturnToTheWarmPoolWhoseEventWasLostIsRecoveredWithItsOwnHookAndCompleted() throws InterruptedException {
    String pooled = "i-0f1b2c3d4e5f67890";
    String toPool = "d3e4f5a6-b7c8-4d9e-8f0a-1b2c3d4e5f6a";
    environment.putAll(Map.of("AUTO_SCALING_GROUP_NAMES", GROUP, "LIFECYCLE_HOOK_NAME", HOOK,
        "LAUNCH_LIFECYCLE_HOOK_NAME", LAUNCH_HOOK, "LAUNCH_AUTOMATION_DOCUMENT_NAME", LAUNCH_DOCUMENT));
    standIn.ssm().document(Document.declaring(LAUNCH_DOCUMENT, "InstanceId", "S3BucketName").requiring("InstanceId"))
        .managedInstance(pooled, "Online");
    standIn.autoScaling().hook(Hook.launching(GROUP, LAUNCH_HOOK, Duration.ofHours(1), "ABANDON"))
        .holdIn(GROUP, HOOK, pooled, toPool, HELD_SINCE, "Warmed:Pending:Wait",
            "Moving EC2 instance " + pooled + " into the warm pool");
    standIn.autoScaling().completeElsewhere(TOKEN, "CONTINUE");
    deliverInvocationsToTheFunction(Duration.ofMinutes(15));

    JsonNode pass = invoke("scheduled.json");

    assertEquals("Reconciled", pass.path("outcome").asText(), pass.toString());
    assertEquals(1, pass.path("actions_recovered").asInt(), pass.toString());
    assertTrue(standIn.calls("DescribeWarmPool").stream().anyMatch(AwsStandIn.Call::succeeded));
    assertTrue(standIn.lambda().awaitDeliveries(Duration.ofSeconds(60)), "the recovered action was not handled");
    assertEquals("CONTINUE", standIn.autoScaling().ending(toPool).orElseThrow().result());
    var execution = standIn.ssm().executions().get(0);
    assertEquals(1, standIn.ssm().executions().size());
    assertEquals(DOCUMENT, execution.documentName(), "the terminate runbook, not the launch one");
    assertEquals(List.of(pooled), execution.parameters().get("InstanceId"));
    assertEquals(HOOK, execution.tags().get("lifecycle-instance:" + pooled));
    assertEquals(Optional.of(HOOK), standIn.calls("CompleteLifecycleAction").stream()
        .filter(AwsStandIn.Call::succeeded).findFirst().orElseThrow().member("LifecycleHookName"));
  }

  /**
   * "Verify a scaling activity for an Auto Scaling group": every move of an instance is an activity
   * naming it. One that no listed activity names cannot be named nor dated as its event would: the
   * pass leaves it alone, and its final line counts it and warns.
   */
  @Test
  void anInstanceNoScalingActivityNamesIsLeftAloneAndTheReconcilerLineWarnsOfIt() {
    environment.putAll(Map.of("AUTO_SCALING_GROUP_NAMES", GROUP, "LIFECYCLE_HOOK_NAME", HOOK));
    String unnamed = "i-0f1b2c3d4e5f67890";
    standIn.ssm().managedInstance(unnamed, "Online");
    standIn.autoScaling().holdIn(GROUP, HOOK, unnamed, "e4f5a6b7-c8d9-4e0f-9a1b-2c3d4e5f6a7b", HELD_SINCE,
        "Terminating:Wait", "Terminating EC2 instance: i-0999999999999999f");
    standIn.autoScaling().completeElsewhere(TOKEN, "CONTINUE");

    List<JsonNode> lines = CapturedOutput.logLinesOf(() -> invoke("scheduled.json"));

    JsonNode pass = lines.stream().filter(line -> line.has("actions_unidentified")).findFirst()
        .orElseThrow(() -> new AssertionError("no reconciler line: " + lines));
    assertEquals(1, pass.path("actions_unidentified").asInt(), pass.toString());
    assertEquals(0, pass.path("failed_calls").asInt(), pass.toString());
    assertEquals(0, pass.path("actions_recovered").asInt(), pass.toString());
    assertEquals("WARN", pass.path("level").asText(), pass.toString());
    assertTrue(standIn.ssm().executions().isEmpty());
  }

  /** The function's own asynchronous invocations (hand-overs, recovered actions) reach a fresh handler, as Lambda's would. */
  private void deliverInvocationsToTheFunction(Duration invocation) {
    standIn.lambda().function(FakeContext.FUNCTION_NAME, payload -> {
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      LocalFunction.against(standIn, environment, clock)
          .handleRequest(new ByteArrayInputStream(payload), output, new FakeContext(invocation));
      return output.toByteArray();
    });
  }

  private void assertEnded(String result) {
    Ending ending = standIn.autoScaling().ending(TOKEN).orElseThrow(() -> new AssertionError("the action is still held"));
    assertEquals(new Ending(result, Cause.COMPLETED, ending.at()), ending);
  }

  private JsonNode invoke(String event) {
    return handle(LocalFunction.against(standIn, environment, clock), read(event));
  }

  private static JsonNode handle(LifecycleHandler handler, byte[] event) {
    return handle(handler, event, Duration.ofMinutes(15));
  }

  private static JsonNode handle(LifecycleHandler handler, byte[] event, Duration invocation) {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try {
      handler.handleRequest(new ByteArrayInputStream(event), output, new FakeContext(invocation));
      return JSON.readTree(output.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] read(String event) {
    try {
      return Files.readAllBytes(EVENTS.resolve(event));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
