package com.lifecycleorchestrator.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Budget;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.ServiceFailure;
import com.lifecycleorchestrator.testkit.CapturedOutput;
import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeContext;
import com.lifecycleorchestrator.testkit.FakeWaitingRoom;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.Rig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The sample events in {@code events/} through the handler, as bytes, exactly as the Lambda Java
 * runtime hands them to a stream handler, with the shared fakes behind it.
 */
class LifecycleHandlerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EVENTS = Path.of("events");

  private final Rig rig = new Rig();

  @Test
  void theFinalLogLineCarriesEveryIdentifierAndThePhases() {
    rig.held(sampleAction("terminate.json", LifecycleAction.Transition.TERMINATING));

    List<JsonNode> lines = CapturedOutput.logLinesOf(() -> invokeUnchecked("terminate.json"));

    JsonNode last = lines.get(lines.size() - 1);
    assertEquals("INFO", last.get("level").asText());
    assertEquals("lifecycle action completed with CONTINUE", last.get("message").asText());
    for (String key : List.of("instance_id", "auto_scaling_group_name", "lifecycle_hook_name",
        "lifecycle_action_token", "execution_id", "final_status", "result", "seconds_starting",
        "seconds_waiting", "seconds_completing", "function_request_id")) {
      assertTrue(last.hasNonNull(key), "the final line lacks " + key + ": " + last);
    }
    assertEquals("87654321-4321-4321-4321-210987654321", last.get("lifecycle_action_token").asText());
    assertTrue(lines.stream().anyMatch(line -> line.get("message").asText().startsWith("runbook started")));
  }

  @Test
  void eachInvocationWritesItsMetricsInEmbeddedMetricFormat() {
    rig.held(sampleAction("terminate.json", LifecycleAction.Transition.TERMINATING));
    rig.automations.everyRunbook(FakeAutomations.Script.runsThen(Duration.ofSeconds(90), "Success"));

    List<JsonNode> lines = CapturedOutput.logLinesOf(() -> invokeUnchecked("terminate.json"));

    JsonNode emf = lines.stream().filter(line -> line.has("_aws")).findFirst().orElseThrow();
    JsonNode directive = emf.get("_aws").get("CloudWatchMetrics").get(0);
    assertEquals(FunctionMetrics.NAMESPACE, directive.get("Namespace").asText());
    List<String> names = new java.util.ArrayList<>();
    directive.get("Metrics").forEach(metric -> names.add(metric.get("Name").asText()));
    assertTrue(names.containsAll(List.of("ActionsContinued", "ReleaseDelay", "RunbookDuration", "ThrottledCalls")),
        names.toString());
    assertEquals(1, emf.get("ActionsContinued").asInt());
    assertEquals(90.0, emf.get("RunbookDuration").asDouble(), 0.001);
    assertEquals(3, emf.get("ThrottledCalls").asInt());
    assertTrue(emf.get("ReleaseDelay").asDouble() <= 15.0, emf.toString());
  }

  @Test
  void theLaunchSampleIsIgnoredWithoutALaunchRunbook() throws IOException {
    JsonNode returned = invoke("launch.json");

    assertEquals("Ignored", returned.get("outcome").asText());
    assertEquals(0, rig.automations.totalCalls());
  }

  @Test
  void theLaunchSampleRunsTheLaunchRunbookWhenOneIsConfigured() throws IOException {
    rig.withLaunchRunbook();
    LifecycleAction action = rig.held(sampleAction("launch.json", LifecycleAction.Transition.LAUNCHING));

    JsonNode returned = invoke("launch.json");

    assertEquals("Completed", returned.get("outcome").asText());
    assertEquals(Rig.LAUNCH_DOCUMENT, rig.automations.executions().get(0).start().documentName());
    assertEquals(LifecycleResult.CONTINUE, rig.lifecycleActions.ending(action).orElseThrow().result());
  }

  @Test
  void theTestNotificationIsIgnoredWithoutAnAwsCall() throws IOException {
    JsonNode returned = invoke("test-notification.json");

    assertEquals("Ignored", returned.get("outcome").asText());
    assertTrue(returned.get("reason").asText().contains("test notification"));
    assertNoAwsCall();
  }

  @Test
  void anotherSourceOrDetailTypeIsIgnoredWithoutAnAwsCall() throws IOException {
    String terminate = Files.readString(EVENTS.resolve("terminate.json"));
    for (String other : List.of(
        terminate.replace("\"aws.autoscaling\"", "\"aws.ec2\""),
        terminate.replace("EC2 Instance-terminate Lifecycle Action", "EC2 Instance Terminate Successful"))) {
      JsonNode returned = invokeBytes(other.getBytes(StandardCharsets.UTF_8));
      assertEquals("Ignored", returned.get("outcome").asText());
    }
    assertNoAwsCall();
  }

  @Test
  void theMalformedSampleFailsTheInvocationNamingEveryBadField() {
    LifecycleHandler.LifecycleActionNotHandled failure = assertThrows(
        LifecycleHandler.LifecycleActionNotHandled.class, () -> invoke("malformed.json"));

    assertTrue(failure.getMessage().contains("detail.LifecycleActionToken is missing"), failure.getMessage());
    assertTrue(failure.getMessage().contains("detail.EC2InstanceId must be 'i-' followed by 8 or 17"),
        failure.getMessage());
    assertNoAwsCall();
  }

  @Test
  void inputThatIsNotAnEventObjectFailsTheInvocationClearly() {
    for (String input : List.of("not json", "[1,2]", "\"text\"", "")) {
      LifecycleHandler.LifecycleActionNotHandled failure = assertThrows(
          LifecycleHandler.LifecycleActionNotHandled.class,
          () -> invokeBytes(input.getBytes(StandardCharsets.UTF_8)), input);
      assertTrue(failure.getMessage().contains("event"), failure.getMessage());
    }
    assertNoAwsCall();
  }

  @Test
  void aHandOverThatCannotBeSentFailsTheInvocationWithEveryIdentifierLogged() {
    rig.held(sampleAction("terminate.json", LifecycleAction.Transition.TERMINATING));
    rig.automations.everyRunbook(FakeAutomations.Script.runsThen(Duration.ofHours(1), "Success"));
    rig.continuations.failNext(Failures.times(20,
        Failures.throttled("TooManyRequestsException")));

    List<JsonNode> lines = CapturedOutput.logLinesOf(() -> assertThrows(
        LifecycleHandler.LifecycleActionNotHandled.class, () -> invoke("terminate.json")));

    JsonNode last = lines.get(lines.size() - 1);
    assertEquals("ERROR", last.get("level").asText());
    assertEquals("i-0a1b2c3d4e5f67890", last.get("instance_id").asText());
    assertTrue(last.hasNonNull("execution_id"));
    assertTrue(last.get("reason").asText().contains("could not hand the wait over"), last.toString());
  }

  @Test
  void aContinuationFromTheWaitingRoomsQueueIsResumedAndAnsweredWithABatchResponse() throws IOException {
    LifecycleAction action = rig.held(sampleAction("terminate.json", LifecycleAction.Transition.TERMINATING));
    Runbook.ExecutionId execution = rig.automations.start(
        rig.config().runbookFor(action.transition()).orElseThrow().startFor(action, 0, rig.clock.now()));
    rig.clock.advance(Duration.ofMinutes(5));

    JsonNode returned = invokeBytes(sqsBatch(ContinuationEvent.encode(parked(action, execution), rig.clock.now()), 1));

    assertEquals(JSON.readTree("{\"batchItemFailures\": []}"), returned);
    assertEquals(1, rig.automations.executions().size());
    assertTrue(rig.lifecycleActions.ending(action).isPresent());
    assertEquals(List.of(), rig.waitingRoom.redeliveries());
  }

  /**
   * "Handling errors for an SQS event source in Lambda": with ReportBatchItemFailures, the message
   * named in batchItemFailures stays in the queue and comes back when its visibility timeout ends,
   * which the function first shortens to a minute per receive ("Amazon SQS visibility timeout").
   */
  @Test
  void aContinuationThatFailsInTheWaitingRoomIsReportedAndComesBackWithinMinutes() throws IOException {
    LifecycleAction action = rig.held(sampleAction("terminate.json", LifecycleAction.Transition.TERMINATING));
    rig.automations.everyRunbook(FakeAutomations.Script.runsThen(Duration.ofHours(1), "Success"));
    Runbook.ExecutionId execution = rig.automations.start(
        rig.config().runbookFor(action.transition()).orElseThrow().startFor(action, 0, rig.clock.now()));
    rig.continuations.failNext(Failures.times(20,
        new ServiceFailure.Transient("TooManyRequestsException", "Rate exceeded", null)));

    JsonNode returned = invokeBytes(sqsBatch(ContinuationEvent.encode(parked(action, execution), rig.clock.now()), 2));

    assertEquals(JSON.readTree("{\"batchItemFailures\": [{\"itemIdentifier\": \"" + MESSAGE_ID + "\"}]}"), returned);
    assertEquals(List.of(new FakeWaitingRoom.Redelivery(RECEIPT, Duration.ofMinutes(2))), rig.waitingRoom.redeliveries());
  }

  @Test
  void aWaitingRoomMessageThatIsNotAContinuationIsReportedAsFailedAndABatchOfTwoIsRefused() throws IOException {
    String message = new String(Files.readAllBytes(EVENTS.resolve("continuation.json")), StandardCharsets.UTF_8);
    String record = "{\"eventSource\": \"aws:sqs\", \"messageId\": \"1\", \"body\": " + JSON.writeValueAsString(message) + "}";
    byte[] terminate = Files.readAllBytes(EVENTS.resolve("terminate.json"));

    LifecycleHandler.LifecycleActionNotHandled two = assertThrows(LifecycleHandler.LifecycleActionNotHandled.class,
        () -> invokeBytes(("{\"Records\": [" + record + ", " + record + "]}").getBytes(StandardCharsets.UTF_8)));
    byte[] notAContinuation = sqsBatch(terminate, 1);
    List<JsonNode> lines = CapturedOutput.logLinesOf(() -> assertEquals(MESSAGE_ID,
        invokeUnchecked(notAContinuation).path("batchItemFailures").path(0).path("itemIdentifier").asText()));

    assertTrue(two.getMessage().contains("BatchSize 1"), two.getMessage());
    assertTrue(lines.stream().anyMatch(line -> line.path("message").asText().contains("must be a continuation event")),
        lines.toString());
    assertEquals(List.of(new FakeWaitingRoom.Redelivery(RECEIPT, Duration.ofMinutes(1))), rig.waitingRoom.redeliveries());
    assertNoAwsCall();
  }

  private static Continuation parked(LifecycleAction action, Runbook.ExecutionId execution) {
    return new Continuation(action, Optional.of(execution), action.heldSince(),
        action.heldSince().plus(Duration.ofHours(48)), Optional.empty(), 1, 1, Optional.empty(), Optional.empty(),
        Optional.empty());
  }

  private static final String MESSAGE_ID = "059f36b4-87a3-44ab-83d2-661975830a7d";
  private static final String RECEIPT = "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a";

  /** One message as the event source mapping delivers it ("Using Lambda with Amazon SQS": example event). */
  private static byte[] sqsBatch(byte[] body, int receiveCount) throws IOException {
    ObjectNode record = JSON.createObjectNode()
        .put("messageId", MESSAGE_ID)
        .put("receiptHandle", RECEIPT)
        .put("eventSource", "aws:sqs")
        .put("eventSourceARN", "arn:aws:sqs:us-east-1:123456789012:waiting-room")
        .put("awsRegion", "us-east-1")
        .put("body", new String(body, StandardCharsets.UTF_8));
    record.putObject("attributes").put("ApproximateReceiveCount", String.valueOf(receiveCount))
        .put("SentTimestamp", "1764075600000");
    ObjectNode batch = JSON.createObjectNode();
    batch.putArray("Records").add(record);
    return JSON.writeValueAsBytes(batch);
  }

  /**
   * Powertools' own rule would log {@code cold_start: false} after a SnapStart restore and where
   * AWS_LAMBDA_INITIALIZATION_TYPE is unset; the tests run without POWERTOOLS_SERVICE_NAME.
   */
  @Test
  void theFirstInvocationAfterAnInitOrARestoreLogsAColdStartUnderTheFunctionsServiceName() {
    LifecycleHandler handler = handler();

    List<JsonNode> first = CapturedOutput.logLinesOf(() -> invokeUnchecked(handler, "test-notification.json"));
    List<JsonNode> second = CapturedOutput.logLinesOf(() -> invokeUnchecked(handler, "test-notification.json"));
    handler.restored();
    List<JsonNode> afterRestore = CapturedOutput.logLinesOf(() -> invokeUnchecked(handler, "test-notification.json"));

    for (List<JsonNode> lines : List.of(first, second, afterRestore)) {
      assertTrue(lines.stream().anyMatch(LifecycleHandlerTest::isLogLine), "the invocation logged nothing");
      lines.stream().filter(LifecycleHandlerTest::isLogLine)
          .forEach(line -> assertEquals("lifecycle-orchestrator", line.path("service").asText(), line.toString()));
    }
    first.stream().filter(LifecycleHandlerTest::isLogLine)
        .forEach(line -> assertTrue(line.path("cold_start").asBoolean(false), line.toString()));
    second.stream().filter(LifecycleHandlerTest::isLogLine)
        .forEach(line -> assertEquals(false, line.path("cold_start").asBoolean(true), line.toString()));
    afterRestore.stream().filter(LifecycleHandlerTest::isLogLine)
        .forEach(line -> assertTrue(line.path("cold_start").asBoolean(false), line.toString()));
  }

  /** A line of the function's log, as opposed to its metrics (EMF), which carry no log fields. */
  private static boolean isLogLine(JsonNode line) {
    return line.has("level");
  }

  @Test
  void theBudgetKeepsAReserveToSendTheResult() {
    Instant now = Instant.parse("2026-11-25T13:00:00Z");

    Orchestrator orchestrator = rig.orchestrator();

    Budget fifteenMinutes = orchestrator.budget(now, Duration.ofMinutes(15));
    Budget tenSeconds = orchestrator.budget(now, Duration.ofSeconds(10));

    assertEquals(now.plus(Duration.ofSeconds(898)), fifteenMinutes.workUntil());
    assertEquals(fifteenMinutes.workUntil().minus(rig.timings().invocationReserve()), fifteenMinutes.waitUntil());
    assertEquals(now.plusSeconds(8), tenSeconds.workUntil());
    assertEquals(now.plusMillis(5500), tenSeconds.waitUntil());
  }

  private LifecycleAction sampleAction(String file, LifecycleAction.Transition transition) {
    JsonNode detail = read(file).get("detail");
    return new LifecycleAction(transition,
        new LifecycleAction.GroupName(detail.get("AutoScalingGroupName").asText()),
        new LifecycleAction.HookName(detail.get("LifecycleHookName").asText()),
        new LifecycleAction.InstanceId(detail.get("EC2InstanceId").asText()),
        new LifecycleAction.Token(detail.get("LifecycleActionToken").asText()),
        Instant.parse(read(file).get("time").asText()));
  }

  private void assertNoAwsCall() {
    assertEquals(0, rig.automations.totalCalls());
    for (FakeLifecycleActions.Operation operation : FakeLifecycleActions.Operation.values()) {
      assertEquals(0, rig.lifecycleActions.calls(operation));
    }
  }

  private JsonNode invoke(String file) throws IOException {
    return invokeBytes(Files.readAllBytes(EVENTS.resolve(file)));
  }

  private JsonNode invokeUnchecked(byte[] payload) {
    try {
      return invokeBytes(payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void invokeUnchecked(String file) {
    try {
      invoke(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode invokeBytes(byte[] payload) throws IOException {
    return invokeBytes(handler(), payload);
  }

  private void invokeUnchecked(LifecycleHandler handler, String file) {
    try {
      invokeBytes(handler, Files.readAllBytes(EVENTS.resolve(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private LifecycleHandler handler() {
    FunctionMetrics metrics = new FunctionMetrics(() -> 3);
    return new LifecycleHandler(rig.orchestrator(new MilestoneLog().andThen(metrics)), functionArn -> rig.continuations,
        metrics, Optional.of(rig.reconciler()), Optional.of(rig.waitingRoom));
  }

  private static JsonNode invokeBytes(LifecycleHandler handler, byte[] payload) throws IOException {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(payload), output, new FakeContext(Duration.ofMinutes(15)));
    return JSON.readTree(output.toByteArray());
  }

  private static JsonNode read(String file) {
    try {
      return JSON.readTree(EVENTS.resolve(file).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
