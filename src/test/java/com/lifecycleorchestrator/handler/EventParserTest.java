package com.lifecycleorchestrator.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.RunbookEnd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.time.Duration;
import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** A lifecycle event with any set of bad fields is refused with every bad field named, and no other. */
class EventParserTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Each required field, with values of the wrong form for it. */
  private static final Map<String, List<String>> BAD_VALUES = Map.of(
      "time", List.of("yesterday", "2026-13-01T00:00:00Z"),
      "detail.LifecycleActionToken", List.of("not-a-uuid", "87654321432143214321210987654321"),
      "detail.AutoScalingGroupName", List.of("a".repeat(256), "web\nasg"),
      "detail.LifecycleHookName", List.of("graceful exit", "hook!"),
      "detail.EC2InstanceId", List.of("i-12345", "i-0A1B2C3D4E5F67890", "0a1b2c3d", "i-0a1b2c3d4e5f6789"),
      "detail.LifecycleTransition", List.of("autoscaling:EC2_INSTANCE_LAUNCHING", "terminate"));

  /** What can be wrong with a field. */
  record Corruption(String field, String kind, String badValue) {}

  private final EventParser parser = new EventParser();

  @Property(tries = 300)
  void everyBadFieldIsNamedAndNoGoodOne(@ForAll("corruptions") Set<Corruption> corruptions) throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readAllBytes(Path.of("events", "terminate.json")));
    for (Corruption corruption : corruptions) {
      apply(event, corruption);
    }

    EventParser.MalformedEvent refused = assertThrows(EventParser.MalformedEvent.class,
        () -> parser.parse(JSON.writeValueAsBytes(event)));

    Set<String> bad = corruptions.stream().map(Corruption::field).collect(java.util.stream.Collectors.toSet());
    for (String field : BAD_VALUES.keySet()) {
      boolean named = refused.problems().stream().anyMatch(problem -> problem.startsWith(field + " "));
      assertEquals(bad.contains(field), named, field + " in " + refused.problems());
    }
  }

  @Example
  void aDetailThatIsNotAnObjectIsRefused() throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readAllBytes(Path.of("events", "terminate.json")));
    event.put("detail", "i-0a1b2c3d4e5f67890");

    EventParser.MalformedEvent refused = assertThrows(EventParser.MalformedEvent.class,
        () -> parser.parse(JSON.writeValueAsBytes(event)));

    assertEquals(List.of("detail must be an object with the lifecycle action's fields, got \"i-0a1b2c3d4e5f67890\""),
        refused.problems());
  }

  /** EventBridge writes the envelope's fields as strings ("Amazon EventBridge events", event structure). */
  @Example
  void envelopeFieldsOfAnotherKindAreEachNamedWithWhatTheyShouldBe() throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readAllBytes(Path.of("events", "terminate.json")));
    event.put("id", 7);
    event.put("time", 1764075600);

    EventParser.MalformedEvent refused = assertThrows(EventParser.MalformedEvent.class,
        () -> parser.parse(JSON.writeValueAsBytes(event)));

    assertEquals(List.of("time must be a string, got 1764075600", "id must be a string, got 7"), refused.problems());
  }

  @Example
  void anAutoScalingEventWithoutADetailTypeIsNotALifecycleAction() throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readAllBytes(Path.of("events", "terminate.json")));
    event.remove("detail-type");

    EventParser.Inbound.NotForUs passedOver = assertInstanceOf(EventParser.Inbound.NotForUs.class,
        parser.parse(JSON.writeValueAsBytes(event)));

    assertEquals("an Auto Scaling event of detail-type (none), not a lifecycle action", passedOver.reason());
  }

  @Example
  void anEventTimeWithAnOffsetIsTheSameInstantInUtc() throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readAllBytes(Path.of("events", "terminate.json")));
    event.put("time", "2026-11-25T14:00:00+01:00");

    EventParser.Inbound.Action action = assertInstanceOf(EventParser.Inbound.Action.class,
        parser.parse(JSON.writeValueAsBytes(event)));

    assertEquals(Instant.parse("2026-11-25T13:00:00Z"), action.action().heldSince());
  }

  @Example
  void theSampleEventsAreReadAsTheirKinds() throws IOException {
    assertInstanceOf(EventParser.Inbound.Action.class, parse("terminate.json"));
    assertInstanceOf(EventParser.Inbound.Action.class, parse("launch.json"));
    assertInstanceOf(EventParser.Inbound.NotForUs.class, parse("test-notification.json"));
    assertThrows(EventParser.MalformedEvent.class, () -> parse("malformed.json"));
    assertInstanceOf(EventParser.Inbound.Resume.class, parse("continuation.json"));
    assertInstanceOf(EventParser.Inbound.Reconcile.class, parse("scheduled.json"));
    assertInstanceOf(EventParser.Inbound.RunbookEnded.class, parse("runbook-ended.json"));
  }

  /** SSM writes the detail's EndTime as "Nov 25, 2026 1:01:04 PM", in UTC. */
  @Example
  void aRunbooksStatusChangeEventNamesItsExecutionItsRunbookItsStatusAndWhenItEnded() throws IOException {
    RunbookEnd end = assertInstanceOf(EventParser.Inbound.RunbookEnded.class, parse("runbook-ended.json")).end();

    assertEquals(new RunbookEnd(new Runbook.ExecutionId("4105a4fc-f944-11e6-9d32-8fb2db27a909"),
        "LifecycleLogArchive-6d2d2e7b-5c29-4a28-8d6e-5a2c1f0c8b7a", new Runbook.Status("Success"),
        Instant.parse("2026-11-25T13:01:04Z")), end);
  }

  @Example
  void aStatusChangeEventWithoutEndTimeEndedAtTheEventsTimeAndOneWithBadFieldsIsRefusedNamingEach()
      throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readAllBytes(Path.of("events", "runbook-ended.json")));
    ((ObjectNode) event.get("detail")).remove("EndTime");
    RunbookEnd end = assertInstanceOf(EventParser.Inbound.RunbookEnded.class,
        parser.parse(JSON.writeValueAsBytes(event))).end();
    assertEquals(Instant.parse("2026-11-25T13:01:05Z"), end.endedAt());

    ObjectNode detail = (ObjectNode) event.get("detail");
    detail.put("ExecutionId", "exec-1");
    detail.remove("Definition");
    detail.put("Status", 3);
    EventParser.MalformedEvent refused = assertThrows(EventParser.MalformedEvent.class,
        () -> parser.parse(JSON.writeValueAsBytes(event)));
    assertEquals(3, refused.problems().size(), refused.problems().toString());
    for (String field : List.of("ExecutionId", "Definition", "Status")) {
      assertTrue(refused.problems().stream().anyMatch(p -> p.startsWith("detail." + field + " ")),
          field + " in " + refused.problems());
    }
  }

  @Property(tries = 200)
  void aContinuationReadsBackAsTheOneThatWasHandedOver(@ForAll("continuations") Continuation continuation) {
    EventParser.Inbound inbound = parser.parse(ContinuationEvent.encode(continuation, Instant.now()));

    assertEquals(continuation, assertInstanceOf(EventParser.Inbound.Resume.class, inbound).continuation());
  }

  @Example
  void aContinuationWithBadFieldsIsRefusedNamingEachOfThem() throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readAllBytes(Path.of("events", "continuation.json")));
    ObjectNode detail = (ObjectNode) event.get("detail");
    detail.put("AutomationExecutionId", "not-an-execution");
    detail.put("HandOvers", 0);
    detail.remove("HookDeadline");
    detail.put("EC2InstanceId", "i-xyz");

    EventParser.MalformedEvent refused = assertThrows(EventParser.MalformedEvent.class,
        () -> parser.parse(JSON.writeValueAsBytes(event)));

    assertEquals(4, refused.problems().size(), refused.problems().toString());
    for (String field : List.of("AutomationExecutionId", "HandOvers", "HookDeadline", "EC2InstanceId")) {
      assertTrue(refused.problems().stream().anyMatch(p -> p.startsWith("detail." + field + " ")),
          field + " in " + refused.problems());
    }
  }

  @Provide
  Arbitrary<Continuation> continuations() {
    Arbitrary<Instant> times = Arbitraries.longs().between(1_700_000_000L, 1_900_000_000L)
        .map(Instant::ofEpochSecond);
    Arbitrary<LifecycleAction> actions = Combinators.combine(
            Arbitraries.of(LifecycleAction.Transition.class),
            Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(40),
            Arbitraries.strings().withChars("abcXYZ019-_/").ofMinLength(1).ofMaxLength(40),
            Arbitraries.strings().withChars("0123456789abcdef").ofLength(17),
            Arbitraries.create(UUID::randomUUID).map(uuid -> new LifecycleAction.Token(uuid.toString())).optional(),
            times)
        .as((transition, group, hook, instance, token, held) -> new LifecycleAction(transition,
            new LifecycleAction.GroupName(group), new LifecycleAction.HookName(hook),
            new LifecycleAction.InstanceId("i-" + instance), token, held));
    Arbitrary<Optional<Runbook.ExecutionId>> executions = Arbitraries.create(UUID::randomUUID)
        .map(id -> new Runbook.ExecutionId(id.toString())).optional();
    Arbitrary<Optional<HookTimeouts>> hooks = Combinators.combine(Arbitraries.integers().between(30, 7200),
            Arbitraries.of(LifecycleResult.class).optional())
        .as((heartbeat, defaultResult) -> new HookTimeouts(Duration.ofSeconds(heartbeat),
            HookTimeouts.assumed(Duration.ofSeconds(heartbeat)).globalTimeout(), defaultResult))
        .optional();
    Arbitrary<Optional<Continuation.Pending>> pendings = Combinators.combine(Arbitraries.of(LifecycleResult.class),
            Arbitraries.strings().ofMinLength(1).ofMaxLength(200))
        .as(Continuation.Pending::new)
        .optional();
    Arbitrary<Optional<String>> runbooks = Arbitraries.strings().withChars("abcXYZ019-_.").ofMinLength(3)
        .ofMaxLength(128).optional();
    Arbitrary<Optional<Continuation.Claim>> claims = Combinators.combine(Arbitraries.integers().between(0, 1000), times)
        .as(Continuation.Claim::new)
        .optional();
    return Combinators.combine(actions, executions, times, times, hooks, Arbitraries.integers().between(1, 200),
            Arbitraries.integers().between(0, 30), Combinators.combine(pendings, runbooks, claims).as(Carried::new))
        .as((action, execution, lastHeartbeat, deadline, hook, handOvers, capacityWaits, carried) ->
            new Continuation(action, execution, lastHeartbeat, deadline, hook, handOvers, capacityWaits,
                carried.pending(), carried.runbook(), carried.claim()));
  }

  /** What a continuation carries beyond the eight values a combination of arbitraries takes at most. */
  private record Carried(Optional<Continuation.Pending> pending, Optional<String> runbook,
      Optional<Continuation.Claim> claim) {
  }

  private EventParser.Inbound parse(String file) throws IOException {
    return parser.parse(Files.readAllBytes(Path.of("events", file)));
  }

  @Provide
  Arbitrary<Set<Corruption>> corruptions() {
    Arbitrary<Corruption> one = Arbitraries.of(List.copyOf(BAD_VALUES.keySet())).flatMap(field ->
        Combinators.combine(
                Arbitraries.of("missing", "empty", "number", "null", "malformed"),
                Arbitraries.of(BAD_VALUES.get(field)))
            .as((kind, value) -> new Corruption(field, kind, value)));
    return one.set().ofMinSize(1).ofMaxSize(6)
        .filter(set -> set.stream().map(Corruption::field).distinct().count() == set.size());
  }

  private static void apply(ObjectNode event, Corruption corruption) {
    ObjectNode target = corruption.field().startsWith("detail.") ? (ObjectNode) event.get("detail") : event;
    String name = corruption.field().replaceFirst("^detail\\.", "");
    switch (corruption.kind()) {
      case "missing" -> target.remove(name);
      case "empty" -> target.put(name, "");
      case "number" -> target.put(name, 42);
      case "null" -> target.putNull(name);
      default -> target.put(name, corruption.badValue());
    }
  }
}
