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
import java.util.concurrent.TimeoutException;
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
  private ManagedJavaRuntime runtime;

  @TempDir
  Path taskRoot;

  @TempDir
  Path logs;

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
    api.close();
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
    assertEquals("ValidationError", standIn.calls("CompleteLifecycleAction").get(0).answer());
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

  /** Starts the package's runtime, initialised for SnapStart as the template deploys it. */
  private void start() throws TimeoutException {
    start(true);
  }

  /** Starts the package's runtime with the variables as they stand and waits until it asks for an event. */
  private void start(boolean snapStart) throws TimeoutException {
    Map<String, String> environment = new LinkedHashMap<>(variables);
    environment.putAll(standIn.endpointVariables());
    ManagedJavaRuntime.Launch launch = new ManagedJavaRuntime.Launch(Path.of(System.getProperty("java.home")),
        ManagedJavaRuntime.runtimeClasspath(), DeploymentPackage.built().unpackedIn(taskRoot), function.handler(),
        function.memoryMegabytes(), environment, function.javaToolOptions(), snapStart, logs.resolve("runtime.log"));
    runtime = ManagedJavaRuntime.start(launch, api);
    try {
      api.awaitReady(TIMEOUT);
    } catch (IllegalStateException | TimeoutException notReady) {
      throw new AssertionError("the package's runtime did not get ready: " + notReady.getMessage() + "\n" + log(), notReady);
    }
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
