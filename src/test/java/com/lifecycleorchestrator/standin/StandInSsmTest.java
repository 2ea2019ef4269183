package com.lifecycleorchestrator.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.standin.StandInSsm.Document;
import com.lifecycleorchestrator.standin.StandInSsm.ExecutionView;
import com.lifecycleorchestrator.standin.StandInSsm.Script;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeTry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SSM Automation's rules as the stand-in keeps them, on its operations directly: executions run
 * by their scripts, at most a set number at once with the rest queued in order, and a full queue
 * refuses starts; client tokens are UUIDs that name one execution.
 */
class StandInSsmTest {

  private static final Instant T0 = Instant.parse("2026-11-25T13:00:00Z");
  private static final String DOCUMENT = "Timed-Runbook";
  private static final String TOKEN = "0f8fad5b-d9cb-469f-a165-70867728950e";

  /** An execution that arrives some seconds after the one before it and runs for some seconds. */
  record Arrival(int afterSeconds, int runsSeconds) {}

  // jqwik runs every try of a property on one instance: each try starts these afresh.
  private VirtualClock clock;
  private StandInSsm ssm;

  @BeforeTry
  @BeforeEach
  void freshSsm() {
    clock = new VirtualClock(T0);
    ssm = new StandInSsm(clock, new Protocol.AwsJson("AmazonSSM"))
        .document(Document.declaring(DOCUMENT, "Seconds"))
        .scripted(parameters -> Script.succeedsAfter(Duration.ofSeconds(Long.parseLong(parameters.get("Seconds").get(0)))));
  }

  @Property(tries = 300)
  void executionsBeyondTheLimitWaitTheirTurnInOrderAndAllEnd(
      @ForAll @IntRange(min = 1, max = 4) int maxRunning, @ForAll("arrivals") List<Arrival> arrivals) {
    ssm.maxRunning(maxRunning);
    List<Instant> arrivalTimes = new ArrayList<>();
    Instant at = T0;
    for (Arrival arrival : arrivals) {
      at = at.plusSeconds(arrival.afterSeconds());
      arrivalTimes.add(at);
    }
    Instant end = at.plusSeconds(arrivals.stream().mapToInt(Arrival::runsSeconds).sum() + 1);
    int started = 0;
    while (!clock.now().isAfter(end)) {
      while (started < arrivals.size() && !arrivalTimes.get(started).isAfter(clock.now())) {
        start(arrivals.get(started++).runsSeconds());
      }
      List<String> statuses = ssm.executions().stream().map(ExecutionView::status).toList();
      long inProgress = statuses.stream().filter("InProgress"::equals).count();
      assertTrue(inProgress <= maxRunning, "more than " + maxRunning + " run at once: " + statuses);
      int firstPending = statuses.indexOf("Pending");
      if (firstPending >= 0) {
        assertEquals(maxRunning, inProgress, "an execution waits while a slot is free: " + statuses);
        assertTrue(statuses.subList(firstPending, statuses.size()).stream().allMatch("Pending"::equals),
            "an execution ran before one queued ahead of it: " + statuses);
      }
      clock.advance(Duration.ofSeconds(1));
    }
    assertTrue(ssm.executions().stream().allMatch(execution -> execution.status().equals("Success")));
  }

  @Provide
  Arbitrary<List<Arrival>> arrivals() {
    return Combinators.combine(Arbitraries.integers().between(0, 20), Arbitraries.integers().between(1, 40))
        .as(Arrival::new)
        .list().ofMinSize(1).ofMaxSize(10);
  }

  @Test
  void aFullQueueRefusesStartsUntilAnExecutionEnds() {
    ssm.maxRunning(1).maxQueued(1);
    start(10);
    start(10);

    ServiceError refused = assertThrows(ServiceError.class, () -> start(10));

    assertEquals("AutomationExecutionLimitExceededException", refused.code());
    clock.advance(Duration.ofSeconds(10));
    start(10);
    assertEquals(List.of("Success", "InProgress", "Pending"),
        ssm.executions().stream().map(ExecutionView::status).toList());
  }

  @Test
  void aScriptPlaysItsPhasesAndHoldsItsFinalStatus() {
    ssm.everyExecution(new Script(List.of(new StandInSsm.Phase("InProgress", Duration.ofSeconds(5)),
        new StandInSsm.Phase("Waiting", Duration.ofSeconds(5))), "TimedOut"));
    String id = start(0);
    List<String> seen = new ArrayList<>();
    for (int second = 0; second < 12; second++) {
      seen.add(status(id));
      clock.advance(Duration.ofSeconds(1));
    }
    assertEquals(List.of("InProgress", "InProgress", "InProgress", "InProgress", "InProgress",
        "Waiting", "Waiting", "Waiting", "Waiting", "Waiting", "TimedOut", "TimedOut"), seen);
  }

  // StartAutomationExecution (SSM API Reference), ClientToken: "User-provided idempotency token.
  // The token must be unique, is case insensitive, enforces the UUID format, and can't be reused."
  @Test
  void aClientTokenThatIsNotAUuidIsRefusedAsInvalid() {
    ServiceError refused = assertThrows(ServiceError.class, () -> start(10, "lifecycle-action-i-0123456789abcdef0"));

    assertEquals("ValidationException", refused.code());
    assertEquals(400, refused.status());
    assertTrue(refused.getMessage().contains("'clientToken'"), refused.getMessage());
    assertTrue(ssm.executions().isEmpty());
  }

  // IdempotentParameterMismatch (SSM API Reference): "returned when an idempotent operation is
  // retried and the parameters don't match the original call to the API with the same idempotency token".
  @Test
  void theSameClientTokenWithAnotherRequestIsAnIdempotentParameterMismatch() {
    start(10, TOKEN);

    ServiceError refused = assertThrows(ServiceError.class, () -> start(20, TOKEN));

    assertEquals("IdempotentParameterMismatch", refused.code());
    assertEquals(1, ssm.executions().size());
  }

  @Test
  void theSameClientTokenWithTheSameRequestReturnsTheSameExecutionWhateverItsCase() {
    String first = start(10, TOKEN);

    assertEquals(first, start(10, TOKEN));
    assertEquals(first, start(10, TOKEN.toUpperCase(java.util.Locale.ROOT)), "the token is case insensitive");
    assertEquals(1, ssm.executions().size());
  }

  @Test
  void aClientTokenThatMayNotBeReusedIsRefusedEvenForTheSameRequest() {
    ssm.tokenReuse(StandInSsm.TokenReuse.REFUSED);
    start(10, TOKEN);

    assertEquals("IdempotentParameterMismatch",
        assertThrows(ServiceError.class, () -> start(10, TOKEN)).code());
  }

  private String start(int seconds, String clientToken) {
    ObjectNode input = json().put("DocumentName", DOCUMENT).put("ClientToken", clientToken);
    input.putObject("Parameters").putArray("Seconds").add(String.valueOf(seconds));
    return call("StartAutomationExecution", input).path("AutomationExecutionId").asText();
  }

  private String start(int seconds) {
    ObjectNode input = json().put("DocumentName", DOCUMENT);
    input.putObject("Parameters").putArray("Seconds").add(String.valueOf(seconds));
    return call("StartAutomationExecution", input).path("AutomationExecutionId").asText();
  }

  private String status(String id) {
    return call("GetAutomationExecution", json().put("AutomationExecutionId", id))
        .path("AutomationExecution").path("AutomationExecutionStatus").asText();
  }

  private JsonNode call(String operation, JsonNode input) {
    return ssm.operations().get(operation).call(input);
  }

  private static ObjectNode json() {
    return Protocol.JSON.createObjectNode();
  }
}
