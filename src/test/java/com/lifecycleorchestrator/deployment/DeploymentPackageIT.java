package com.lifecycleorchestrator.deployment;

import static com.lifecycleorchestrator.testkit.TerminateSample.GROUP;
import static com.lifecycleorchestrator.testkit.TerminateSample.HOOK;
import static com.lifecycleorchestrator.testkit.TerminateSample.INSTANCE;
import static com.lifecycleorchestrator.testkit.TerminateSample.TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.lambdaruntime.LocalRuntimeApi;
import com.lifecycleorchestrator.lambdaruntime.ManagedJavaRuntime;
import com.lifecycleorchestrator.standin.AwsStandIn;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Ending;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Hook;
import com.lifecycleorchestrator.standin.StandInLambda;
import com.lifecycleorchestrator.standin.StandInSsm.Document;
import com.lifecycleorchestrator.standin.StandInSsm.Script;
import com.lifecycleorchestrator.testkit.DeploymentPackage;
import com.lifecycleorchestrator.testkit.TerminateSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment package that {@code sam build} ships ({@code target/lambda}, the AWS SDK in it
 * shrunk by ProGuard) run as Lambda runs it: the runtime interface client in a fresh JVM, with the
 * settings of {@code template.yaml}, initialised for SnapStart so that its before-checkpoint priming
 * makes every AWS call once (SQS's too, which the stand-in does not serve), against the AWS
 * stand-in. ProGuard keeps what it sees the function's classes reach; what the SDK reaches by name
 * it cannot see, and a keep rule missing for it fails here, on a call or an error answer the
 * function gets, rather than on a scale-in. One fresh runtime per case, as Lambda starts them.
 */
class DeploymentPackageIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final DeployedFunction function = DeployedFunction.withDefaults();
  private final Map<String, String> variables = new LinkedHashMap<>(function.variables());
  private final AwsStandIn standIn = AwsStandIn.start(Clock.SYSTEM);
  private final LocalRuntimeApi api = LocalRuntimeApi.start();
  private final LocalRuntimeApi secondApi = LocalRuntimeApi.start();
  private ManagedJavaRuntime runtime;
  private ManagedJavaRuntime secondRuntime;

  @TempDir
  Path taskRoot;

  @TempDir
  Path logs;

  @TempDir
  Path secondTaskRoot;

  @BeforeEach
  void holdTheInstance() {
    standIn.ssm()
        .document(Document.declaring(variables.get("AUTOMATION_DOCUMENT_NAME"),
            "InstanceId", "AutomationAssumeRole", "AutoScalingGroupName").requiring("InstanceId"))
        .everyExecution(Script.succeedsAfter(Duration.ofSeconds(1)))
        .managedInstance(INSTANCE, "Online");
    standIn.autoScaling()
        .hook(Hook.terminating(GROUP, HOOK, Duration.ofHours(1), "ABANDON"))
        .hold(GROUP, HOOK, INSTANCE, TOKEN, Instant.now());
    // The function's own asynchronous invocations (hand-overs, recovered actions) go to the same
    // runtime, one after another, as to a warm execution environment.
    standIn.lambda().function("lifecycle-orchestrator", payload -> {
      LocalRuntimeApi.Invocation invocation = api.invoke(payload, TIMEOUT);
      if (invocation.failed()) {
        throw new IllegalStateException("the function failed: " + invocation.answer());
      }
      return invocation.answer().getBytes(StandardCharsets.UTF_8);
    });
  }

  @AfterEach
  void endTheRuntime() {
    if (runtime != null) {
      runtime.close();
    }
    if (secondRuntime != null) {
      secondRuntime.close();
    }
    api.close();
    secondApi.close();
    standIn.close();
  }

  @Test
  void aRunbookThatSucceedsReleasesTheInstanceWithContinue() throws Exception {
    start();

    JsonNode answer = invoke(TerminateSample.eventSentAt(Instant.now()), TIMEOUT);

    assertEquals("Completed", answer.path("outcome").asText(), answer.toString());
    assertEquals("CONTINUE", answer.path("result").asText());
    assertEnded("CONTINUE");
    for (String operation : List.of("DescribeInstanceInformation", "StartAutomationExecution", "GetAutomationExecution",
        "CompleteLifecycleAction")) {
      assertTrue(standIn.calls(operation).stream().anyMatch(AwsStandIn.Call::succeeded), operation + " " + log());
    }
    List<JsonNode> lines = functionLogLines();
    assertFalse(lines.isEmpty(), log());
    lines.forEach(line -> assertTrue(line.path("cold_start").asBoolean(false), "the first invocation after the init: "
        + line));
  }

  @Test
  void ssmsErrorAnswerReachesTheFunctionAsItsModeledException() throws Exception {
    variables.put("AUTOMATION_DOCUMENT_NAME", "No-Such-Runbook");
    start();

    JsonNode answer = invoke(TerminateSample.eventSentAt(Instant.now()), TIMEOUT);

    assertTrue(answer.path("reason").asText().contains("AutomationDefinitionNotFoundException"), answer.toString());
    assertEnded("ABANDON");
  }

  @Test
  void autoScalingsErrorAnswerReachesTheFunctionAsItsErrorCode() throws Exception {
    standIn.autoScaling().completeElsewhere(TOKEN, "CONTINUE");
    start();

    JsonNode answer = invoke(TerminateSample.eventSentAt(Instant.now()), TIMEOUT);

    assertEquals("AlreadyCompleted", answer.path("outcome").asText(), answer.toString());
    assertEquals("ValidationError", standIn.calls("RecordLifecycleActionHeartbeat").get(0).answer(),
        "the heartbeat that names the token finds the action no longer active");
  }

  @Test
  void aRunbookLongerThanTheInvocationIsHandedOverAndFinishedByTheContinuation() throws Exception {
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofSeconds(6)));
    start();

    // Eight seconds left: the function stops waiting after about four and hands the action over.
    JsonNode answer = invoke(TerminateSample.eventSentAt(Instant.now()), Duration.ofSeconds(8));

    assertEquals("HandedOver", answer.path("outcome").asText(), answer.toString());
    assertDeliveredWithoutFailure();
    assertEnded("CONTINUE");
    assertEquals(1, standIn.ssm().executions().size());
  }

  @Test
  void anActionWhoseEventWasLostIsFoundByTheReconcilerAndCompleted() throws Exception {
    variables.putAll(Map.of("AUTO_SCALING_GROUP_NAMES", GROUP, "LIFECYCLE_HOOK_NAME", HOOK));
    start();

    JsonNode answer = invoke(Files.readAllBytes(Path.of("events", "scheduled.json")), TIMEOUT);

    assertEquals("Reconciled", answer.path("outcome").asText(), answer.toString());
    assertDeliveredWithoutFailure();
    assertEnded("CONTINUE");
  }

  /**
   * Without SnapStart (sam local invoke, a Region without it): no priming, and the first
   * invocation's log lines say it is a cold start, under the function's name when
   * POWERTOOLS_SERVICE_NAME is unset.
   */
  @Test
  void onDemandTheFirstInvocationCompletesTheActionAndLogsItsColdStart() throws Exception {
    variables.remove("POWERTOOLS_SERVICE_NAME");
    start(false);

    JsonNode answer = invoke(TerminateSample.eventSentAt(Instant.now()), TIMEOUT);

    assertEquals("CONTINUE", answer.path("result").asText(), answer.toString());
    assertEnded("CONTINUE");
    List<JsonNode> lines = functionLogLines();
    assertFalse(lines.isEmpty(), log());
    for (JsonNode line : lines) {
      assertTrue(line.path("cold_start").asBoolean(false), line.toString());
      assertEquals("lifecycle-orchestrator", line.path("service").asText(), line.toString());
    }
  }

  /**
   * Two execution environments at once, as Lambda runs them: one handles the event while the other
   * runs a reconciler pass in the middle of its runbook. The pass finds the execution by the
   * action's seat, keeps the action alive with a heartbeat naming its token, and starts nothing.
   */
  @Test
  void aReconcilerPassInAnotherEnvironmentDuringTheEventsRunbookStartsNoSecondRunbook() throws Exception {
    variables.putAll(Map.of("AUTO_SCALING_GROUP_NAMES", GROUP, "LIFECYCLE_HOOK_NAME", HOOK));
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofSeconds(6)));
    CompletableFuture<Void> started = new CompletableFuture<>();
    standIn.onCall(call -> {
      if (call.operation().equals("StartAutomationExecution") && call.succeeded()) {
        started.complete(null);
      }
    });
    start();
    startTheSecondEnvironment();

    CompletableFuture<JsonNode> event = CompletableFuture.supplyAsync(
        () -> invokeOrFail(api, TerminateSample.eventSentAt(Instant.now())));
    started.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    JsonNode pass = invokeOrFail(secondApi, scheduledEvent());

    assertEquals("Reconciled", pass.path("outcome").asText(), pass.toString());
    assertEquals(0, pass.path("actions_recovered").asInt(), pass.toString());
    JsonNode handled = event.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertEquals("Completed", handled.path("outcome").asText(), handled.toString());
    assertEnded("CONTINUE");
    assertEquals(1, standIn.ssm().executions().size(), log());
  }

  /**
   * "How Lambda handles errors and retries with asynchronous invocation": an accepted event "might
   * also be deleted from the queue without being sent to the function". The first environment's
   * hand-over is accepted and never delivered; the hook (30 s heartbeat timeout) would give up. The
   * other environment's scheduled passes see the follower's sign of life age past a heartbeat
   * interval, keep the action alive, and hand it to an invocation that follows the same execution
   * and completes the action by its token.
   */
  @Test
  void aHandOverThatNeverArrivesIsTakenOverByAPassInAnotherEnvironment() throws Exception {
    variables.putAll(Map.of("AUTO_SCALING_GROUP_NAMES", GROUP, "LIFECYCLE_HOOK_NAME", HOOK,
        "MAX_POLL_INTERVAL_SECONDS", "1"));
    standIn.autoScaling().hook(Hook.terminating(GROUP, HOOK, Duration.ofSeconds(30), "ABANDON"))
        .hold(GROUP, HOOK, INSTANCE, TOKEN, Instant.now());
    standIn.ssm().everyExecution(Script.succeedsAfter(Duration.ofSeconds(24)));
    AtomicInteger handOvers = new AtomicInteger();
    standIn.lambda().function("lifecycle-orchestrator", payload -> {
      if (handOvers.getAndIncrement() == 0) {
        return new byte[0];
      }
      return invokeOrFail(secondApi, payload).toString().getBytes(StandardCharsets.UTF_8);
    });
    start();
    startTheSecondEnvironment();

    JsonNode first = invokeOrFail(api, TerminateSample.eventSentAt(Instant.now()), Duration.ofSeconds(8));
    // The schedule's passes, every few seconds here, as EventBridge Scheduler would send them.
    ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
    List<JsonNode> passes = new CopyOnWriteArrayList<>();
    try {
      schedule.scheduleWithFixedDelay(() -> passes.add(invokeOrFail(secondApi, scheduledEvent())), 0, 3,
          TimeUnit.SECONDS);
      assertTrue(standIn.autoScaling().awaitEnding(TOKEN, TIMEOUT), "the action is still held\n" + log());
    } finally {
      schedule.shutdownNow();
    }

    assertEquals("HandedOver", first.path("outcome").asText(), first.toString());
    assertTrue(passes.stream().anyMatch(pass -> pass.path("actions_recovered").asInt() == 1), passes.toString());
    assertEnded("CONTINUE");
    assertEquals(1, standIn.ssm().executions().size(), log());
    assertTrue(standIn.calls("CompleteLifecycleAction").stream().filter(AwsStandIn.Call::succeeded)
        .allMatch(call -> call.member("LifecycleActionToken").equals(Optional.of(TOKEN))));
  }

  private static byte[] scheduledEvent() {
    try {
      return Files.readAllBytes(Path.of("events", "scheduled.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode invokeOrFail(LocalRuntimeApi environment, byte[] event) {
    return invokeOrFail(environment, event, TIMEOUT);
  }

  private JsonNode invokeOrFail(LocalRuntimeApi environment, byte[] event, Duration timeout) {
    try {
      LocalRuntimeApi.Invocation invocation = environment.invoke(event, timeout);
      assertFalse(invocation.failed(), invocation.answer() + "\n" + log());
      return JSON.readTree(invocation.answer());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (TimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + log(), e);
    }
  }

  /** A second execution environment of the same package and settings, with a Runtime API of its own. */
  private void startTheSecondEnvironment() throws TimeoutException {
    secondRuntime = ManagedJavaRuntime.start(launch(true, secondTaskRoot, logs.resolve("second-runtime.log")), secondApi);
    secondApi.awaitReady(TIMEOUT);
  }

  /** Starts the package's runtime, initialised for SnapStart as the template deploys it. */
  private void start() throws TimeoutException {
    start(true);
  }

  /** Starts the package's runtime with the variables as they stand and waits until it asks for an event. */
  private void start(boolean snapStart) throws TimeoutException {
    runtime = ManagedJavaRuntime.start(launch(snapStart, taskRoot, logs.resolve("runtime.log")), api);
    try {
      api.awaitReady(TIMEOUT);
    } catch (IllegalStateException | TimeoutException notReady) {
      throw new AssertionError("the package's runtime did not get ready: " + notReady.getMessage() + "\n" + log(), notReady);
    }
  }

  private ManagedJavaRuntime.Launch launch(boolean snapStart, Path root, Path log) {
    Map<String, String> environment = new LinkedHashMap<>(variables);
    environment.putAll(standIn.endpointVariables());
    return new ManagedJavaRuntime.Launch(Path.of(System.getProperty("java.home")),
        ManagedJavaRuntime.runtimeClasspath(), DeploymentPackage.built().unpackedIn(root), function.handler(),
        function.memoryMegabytes(), environment, function.javaToolOptions(), snapStart, log);
  }

  private JsonNode invoke(byte[] event, Duration timeout) throws TimeoutException, IOException {
    LocalRuntimeApi.Invocation invocation = api.invoke(event, timeout);
    assertFalse(invocation.failed(), invocation.answer() + "\n" + log());
    return JSON.readTree(invocation.answer());
  }

  private void assertDeliveredWithoutFailure() throws InterruptedException {
    assertTrue(standIn.lambda().awaitDeliveries(TIMEOUT), "the function's own invocations did not end\n" + log());
    List<StandInLambda.Delivery> deliveries = standIn.lambda().deliveries();
    assertFalse(deliveries.isEmpty(), "the function invoked itself with nothing\n" + log());
    assertTrue(deliveries.stream().allMatch(delivery -> delivery.failure().isEmpty()), deliveries + "\n" + log());
  }

  private void assertEnded(String result) {
    Ending ending = standIn.autoScaling().ending(TOKEN)
        .orElseThrow(() -> new AssertionError("the action is still held\n" + log()));
    assertEquals(result, ending.result(), log());
  }

  /** The function's own log lines, as opposed to its metrics and the runtime client's lines. */
  private List<JsonNode> functionLogLines() throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : log().split("\\R")) {
      if (line.startsWith("{")) {
        JsonNode parsed = JSON.readTree(line);
        if (parsed.has("level") && parsed.hasNonNull("function_request_id")) {
          lines.add(parsed);
        }
      }
    }
    return lines;
  }

  /** What the runtime printed: the function's JSON log lines and the runtime client's own. */
  private String log() {
    try {
      return Files.readString(logs.resolve("runtime.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
