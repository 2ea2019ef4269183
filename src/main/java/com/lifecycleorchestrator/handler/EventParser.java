package com.lifecycleorchestrator.handler;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.RunbookEnd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads what Lambda delivers to the function: an EventBridge event from EC2 Auto Scaling, from SSM
 * (a runbook's status change) or from the reconciler's schedule, a continuation from an earlier
 * invocation (directly, or as a message of the waiting room's queue), or anything else. The
 * delivery is read once, with the Jackson the function logs with. EventBridge's envelope is the
 * handful of fields the function routes by (Amazon EventBridge User Guide, "Amazon EventBridge
 * events"); the queue's is the Lambda events library's {@link SQSEvent}. Neither goes through the
 * library's own serializers: they bring a second, shaded Jackson and Joda-Time, some 800 classes
 * that a cold start would load before the runbook could start. What is ours, the lifecycle
 * action's detail and the continuation, is validated strictly, with every bad field named. Any
 * other input is recognised and passed over.
 */
final class EventParser {

  static final String AUTO_SCALING_SOURCE = "aws.autoscaling";
  static final String SCHEDULE_SOURCE = "aws.events";
  static final String SCHEDULED_EVENT = "Scheduled Event";
  static final String SSM_SOURCE = "aws.ssm";
  static final String EXECUTION_STATUS_CHANGE = "EC2 Automation Execution Status-change Notification";

  /** The fields of an execution's status-change event (Amazon EventBridge event examples for Systems Manager). */
  static final String EXECUTION_ID = "ExecutionId";
  static final String DEFINITION = "Definition";
  static final String STATUS = "Status";
  static final String END_TIME = "EndTime";
  /** How SSM writes the EndTime of a status-change event, in UTC: "Nov 29, 2024 7:43:25 PM". */
  static final DateTimeFormatter SSM_EVENT_TIME =
      DateTimeFormatter.ofPattern("MMM d, yyyy h:mm:ss a", Locale.US).withZone(ZoneOffset.UTC);

  /** The EventBridge detail-type of each lifecycle transition. */
  static final Map<String, LifecycleAction.Transition> DETAIL_TYPES = Map.of(
      "EC2 Instance-terminate Lifecycle Action", LifecycleAction.Transition.TERMINATING,
      "EC2 Instance-launch Lifecycle Action", LifecycleAction.Transition.LAUNCHING);

  /** The lifecycle action's fields in the event's detail, as Auto Scaling names them. */
  static final String TOKEN = "LifecycleActionToken";
  static final String GROUP = "AutoScalingGroupName";
  static final String HOOK = "LifecycleHookName";
  static final String INSTANCE = "EC2InstanceId";
  static final String TRANSITION = "LifecycleTransition";
  static final String ORIGIN = "Origin";
  static final String DESTINATION = "Destination";

  /** The envelope's fields whose problems are named with what they should be. */
  private static final String TIME = "time";
  private static final String DETAIL = "detail";

  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The events library's SQS types by their bean names: Lambda writes {@code Records} and
   * {@code eventSourceARN} where the library's setters say {@code records} and {@code eventSourceArn};
   * fields added to the delivery later are passed over, as the runtime's own reader does.
   */
  private static final ObjectMapper SQS_EVENTS = JsonMapper.builder()
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();
  private static final TypeReference<Map<String, Object>> FIELDS = new TypeReference<>() {};

  /**
   * The fields of EventBridge's envelope the function goes by; {@code time} and {@code detail}
   * empty where the event has none.
   */
  private record Envelope(String id, String source, String detailType, Optional<Instant> time,
      Optional<Map<String, Object>> detail) {}

  /** What a delivery turned out to be. */
  sealed interface Inbound {
    /** A lifecycle action to handle. */
    record Action(LifecycleAction action, String eventId) implements Inbound {}

    /** A lifecycle action an earlier invocation handed over. */
    record Resume(Continuation continuation, String eventId) implements Inbound {}

    /** A message of the waiting room's queue, whose body {@link #continuationIn} reads. */
    record FromWaitingRoom(SQSEvent.SQSMessage message) implements Inbound {}

    /** SSM announces that an automation execution reached a status. */
    record RunbookEnded(RunbookEnd end, String eventId) implements Inbound {}

    /** The reconciler's schedule: time for a pass. */
    record Reconcile(String eventId) implements Inbound {}

    /** Not for us. */
    record NotForUs(String reason) implements Inbound {}
  }

  /** A lifecycle action event that cannot be handled as it is, with every problem found in it. */
  static final class MalformedEvent extends RuntimeException {
    private final List<String> problems;

    MalformedEvent(List<String> problems) {
      super("The lifecycle action event cannot be handled; fix the event or the rule that sends it: "
          + String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    List<String> problems() {
      return problems;
    }
  }

  Inbound parse(byte[] payload) {
    ObjectNode tree = object(payload);
    if (tree.has("Records")) {
      return new Inbound.FromWaitingRoom(onlyMessage(batch(tree)));
    }
    List<String> problems = new ArrayList<>();
    Envelope event = envelope(tree, problems);
    String source = event.source();
    String detailType = event.detailType();
    if (ContinuationEvent.SOURCE.equals(source) && ContinuationEvent.DETAIL_TYPE.equals(detailType)) {
      return new Inbound.Resume(continuation(event, problems), event.id());
    }
    if (SCHEDULE_SOURCE.equals(source) && SCHEDULED_EVENT.equals(detailType)) {
      return new Inbound.Reconcile(event.id());
    }
    if (SSM_SOURCE.equals(source) && EXECUTION_STATUS_CHANGE.equals(detailType)) {
      return new Inbound.RunbookEnded(runbookEnd(event, problems), event.id());
    }
    if (source == null) {
      return new Inbound.NotForUs("not an EventBridge event (no source), such as Auto Scaling's test notification");
    }
    if (!AUTO_SCALING_SOURCE.equals(source)) {
      return new Inbound.NotForUs("an event from source " + quoted(source) + ", not " + AUTO_SCALING_SOURCE);
    }
    LifecycleAction.Transition transition = detailType == null ? null : DETAIL_TYPES.get(detailType);
    if (transition == null) {
      return new Inbound.NotForUs("an Auto Scaling event of detail-type " + quoted(detailType)
          + ", not a lifecycle action");
    }
    return new Inbound.Action(lifecycleAction(event, transition, problems), event.id());
  }

  /** The continuation a message of the waiting room carries as its body. */
  Inbound.Resume continuationIn(SQSEvent.SQSMessage message) {
    if (message.getBody() == null) {
      throw new MalformedEvent(List.of("Records[0] must be an SQS message with a body"));
    }
    Inbound inbound = parse(message.getBody().getBytes(StandardCharsets.UTF_8));
    if (inbound instanceof Inbound.Resume resume) {
      return resume;
    }
    throw new MalformedEvent(List.of("the waiting room's message must be a continuation event, got "
        + (inbound instanceof Inbound.NotForUs notForUs ? notForUs.reason() : "another kind of event")));
  }

  private static SQSEvent batch(ObjectNode tree) {
    try {
      return SQS_EVENTS.treeToValue(tree, SQSEvent.class);
    } catch (JsonProcessingException | IllegalArgumentException refused) {
      throw new MalformedEvent(List.of("Records must be a list of SQS messages as Lambda's event source "
          + "mapping delivers them, got " + tree.get("Records")));
    }
  }

  /**
   * The event source mapping delivers one message per invocation, so that a failed continuation is
   * retried, and kept in the queue's dead-letter queue, on its own.
   */
  private static SQSEvent.SQSMessage onlyMessage(SQSEvent batch) {
    List<SQSEvent.SQSMessage> records = batch.getRecords();
    if (records == null || records.size() != 1) {
      throw new MalformedEvent(List.of("Records must hold exactly one SQS message (the waiting room's "
          + "event source mapping must have BatchSize 1), got " + (records == null ? "none" : records.size())));
    }
    SQSEvent.SQSMessage message = records.get(0);
    if (!"aws:sqs".equals(message.getEventSource()) || message.getMessageId() == null) {
      throw new MalformedEvent(List.of("Records[0] must be an SQS message with an eventSource of aws:sqs and a messageId"));
    }
    return message;
  }

  private static LifecycleAction lifecycleAction(Envelope event, LifecycleAction.Transition expected,
      List<String> problems) {
    Instant heldSince = event.time().orElse(null);
    if (heldSince == null && problems.stream().noneMatch(problem -> problem.startsWith(TIME + " "))) {
      problems.add(TIME + " is missing");
    }
    LifecycleDetail detail = detail(event, problems);
    LifecycleAction.Transition transition = detail.get(TRANSITION, LifecycleAction.Transition::fromWireName);
    if (transition != null && transition != expected) {
      problems.add("detail." + TRANSITION + " is " + transition.wireName()
          + " but detail-type says " + expected.wireName());
    }
    LifecycleAction action = detail.action(expected, heldSince, true);
    detail.place(ORIGIN);
    Optional<LifecycleAction.Place> destination = detail.place(DESTINATION);
    throwIfAny(problems);
    return destination.map(action::withDestination).orElse(action);
  }

  /**
   * The execution, its runbook and its status; when it ended, from the detail's EndTime, or the
   * event's time where SSM left it out or wrote it otherwise (the event comes after the end).
   */
  private static RunbookEnd runbookEnd(Envelope event, List<String> problems) {
    LifecycleDetail detail = detail(event, problems);
    Runbook.ExecutionId execution = detail.get(EXECUTION_ID, Runbook.ExecutionId::new);
    String definition = detail.get(DEFINITION, EventParser::nonEmpty);
    Runbook.Status status = detail.get(STATUS, text -> new Runbook.Status(nonEmpty(text)));
    Optional<Instant> endTime = Optional.ofNullable(detail.has(END_TIME) ? detail.get(END_TIME, text -> text) : null)
        .flatMap(EventParser::ssmEventTime);
    Optional<Instant> time = event.time();
    if (endTime.isEmpty() && time.isEmpty() && problems.stream().noneMatch(problem -> problem.startsWith(TIME + " "))) {
      problems.add(TIME + " is missing");
    }
    throwIfAny(problems);
    return new RunbookEnd(execution, definition, status, endTime.or(() -> time).orElseThrow());
  }

  private static Optional<Instant> ssmEventTime(String text) {
    try {
      return Optional.of(Instant.from(SSM_EVENT_TIME.parse(text)));
    } catch (DateTimeParseException unlike) {
      return Optional.empty();
    }
  }

  private static String nonEmpty(String text) {
    if (text.isBlank()) {
      throw new IllegalArgumentException("is empty");
    }
    return text;
  }

  /** The continuation event: the action's fields, and what the wait needs, all required but the execution. */
  private static Continuation continuation(Envelope event, List<String> problems) {
    LifecycleDetail detail = detail(event, problems);
    LifecycleAction.Transition transition = detail.get(TRANSITION, LifecycleAction.Transition::fromWireName);
    Instant heldSince = detail.get(ContinuationEvent.HELD_SINCE, LifecycleDetail::instant);
    LifecycleAction action = detail.action(transition, heldSince, detail.has(TOKEN));
    Optional<LifecycleAction.Place> destination = detail.place(DESTINATION);
    Optional<LifecycleAction.ScalingActivity> activity = Optional.empty();
    if (detail.has(ContinuationEvent.ACTIVITY_ID) || detail.has(ContinuationEvent.ACTIVITY_STARTED)) {
      Instant started = detail.get(ContinuationEvent.ACTIVITY_STARTED, LifecycleDetail::instant);
      activity = Optional.ofNullable(detail.get(ContinuationEvent.ACTIVITY_ID,
          id -> new LifecycleAction.ScalingActivity(id, started == null ? Instant.EPOCH : started)));
    }
    Optional<Runbook.ExecutionId> execution = detail.has(ContinuationEvent.EXECUTION)
        ? Optional.ofNullable(detail.get(ContinuationEvent.EXECUTION, Runbook.ExecutionId::new))
        : Optional.empty();
    Instant lastHeartbeat = detail.get(ContinuationEvent.LAST_HEARTBEAT, LifecycleDetail::instant);
    Instant hookDeadline = detail.get(ContinuationEvent.HOOK_DEADLINE, LifecycleDetail::instant);
    Integer handOvers = detail.count(ContinuationEvent.HAND_OVERS, 1);
    Integer capacityWaits = detail.count(ContinuationEvent.CAPACITY_WAITS, 0);
    Optional<HookTimeouts> hook = hookTimeouts(detail, problems);
    Optional<Continuation.Pending> pending = detail.has(ContinuationEvent.PENDING_RESULT)
        ? Optional.ofNullable(pending(detail))
        : Optional.empty();
    // A continuation sent before continuations carried their runbook has none: its runbook is chosen again.
    Optional<String> runbook = detail.has(ContinuationEvent.RUNBOOK)
        ? Optional.ofNullable(detail.get(ContinuationEvent.RUNBOOK, Function.identity()))
        : Optional.empty();
    Optional<Continuation.Claim> claim = Optional.empty();
    if (detail.has(ContinuationEvent.CLAIMED_EPOCH) || detail.has(ContinuationEvent.PREFLIGHT_PASSED)) {
      Integer epoch = detail.count(ContinuationEvent.CLAIMED_EPOCH, 0);
      Instant preflightPassed = detail.get(ContinuationEvent.PREFLIGHT_PASSED, LifecycleDetail::instant);
      if (epoch != null && preflightPassed != null) {
        claim = Optional.of(new Continuation.Claim(epoch, preflightPassed));
      }
    }
    throwIfAny(problems);
    LifecycleAction placed = destination.map(action::withDestination).orElse(action);
    return new Continuation(activity.map(placed::withActivity).orElse(placed), execution, lastHeartbeat,
        hookDeadline, hook, handOvers, capacityWaits, pending, runbook, claim);
  }

  /** The hook's timeouts, when the continuation carries them (one from the reconciler does not). */
  private static Optional<HookTimeouts> hookTimeouts(LifecycleDetail detail, List<String> problems) {
    if (!detail.has(ContinuationEvent.HEARTBEAT_TIMEOUT)) {
      return Optional.empty();
    }
    Integer heartbeat = detail.count(ContinuationEvent.HEARTBEAT_TIMEOUT, 1);
    Integer global = detail.count(ContinuationEvent.GLOBAL_TIMEOUT, 1);
    Optional<LifecycleResult> defaultResult = detail.has(ContinuationEvent.DEFAULT_RESULT)
        ? Optional.ofNullable(detail.get(ContinuationEvent.DEFAULT_RESULT, EventParser::result))
        : Optional.empty();
    if (heartbeat == null || global == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(new HookTimeouts(Duration.ofSeconds(heartbeat), Duration.ofSeconds(global), defaultResult));
    } catch (IllegalArgumentException e) {
      problems.add("detail." + ContinuationEvent.HEARTBEAT_TIMEOUT + " and " + ContinuationEvent.GLOBAL_TIMEOUT
          + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  private static Continuation.Pending pending(LifecycleDetail detail) {
    LifecycleResult result = detail.get(ContinuationEvent.PENDING_RESULT, EventParser::result);
    String reason = detail.get(ContinuationEvent.PENDING_REASON, Function.identity());
    return result == null || reason == null ? null : new Continuation.Pending(result, reason);
  }

  private static LifecycleResult result(String value) {
    try {
      return LifecycleResult.valueOf(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("must be CONTINUE or ABANDON, got '" + value + "'");
    }
  }

  /** The event's detail; without one there is nothing more to read. */
  private static LifecycleDetail detail(Envelope event, List<String> problems) {
    if (event.detail().isEmpty()) {
      if (problems.stream().noneMatch(problem -> problem.startsWith(DETAIL + " "))) {
        problems.add(DETAIL + " must be an object with the lifecycle action's fields");
      }
      throw new MalformedEvent(problems);
    }
    return new LifecycleDetail(event.detail().get(), problems);
  }

  /**
   * The EventBridge envelope's fields the function goes by. A field of the wrong kind is named, with
   * what it should be, and left out, so that the rest is still read and every bad field is named at
   * once.
   */
  private static Envelope envelope(ObjectNode tree, List<String> problems) {
    Optional<Instant> time = Optional.ofNullable(text(tree, TIME, problems)).flatMap(value -> {
      try {
        // EventBridge writes the time in UTC, "2026-11-25T13:00:00Z"; an offset is read as the same instant.
        return Optional.of(OffsetDateTime.parse(value).toInstant());
      } catch (DateTimeParseException notATime) {
        problems.add(TIME + " must be a UTC time such as 2026-11-25T13:00:00Z, got \"" + value + "\"");
        return Optional.empty();
      }
    });
    JsonNode detail = tree.get(DETAIL);
    if (detail != null && !detail.isNull() && !detail.isObject()) {
      problems.add(DETAIL + " must be an object with the lifecycle action's fields, got " + detail);
    }
    return new Envelope(text(tree, "id", problems), text(tree, "source", problems),
        text(tree, "detail-type", problems), time,
        detail != null && detail.isObject() ? Optional.of(JSON.convertValue(detail, FIELDS)) : Optional.empty());
  }

  /** A string field of the envelope, or null where it is missing (or, named as a problem, not a string). */
  private static String text(ObjectNode tree, String name, List<String> problems) {
    JsonNode value = tree.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      problems.add(name + " must be a string, got " + value);
      return null;
    }
    return value.textValue();
  }

  private static ObjectNode object(byte[] payload) {
    JsonNode event;
    try {
      event = JSON.readTree(payload);
    } catch (JsonProcessingException e) {
      throw new MalformedEvent(List.of("the event is not JSON: " + e.getOriginalMessage()));
    } catch (IOException e) {
      throw new MalformedEvent(List.of("the event could not be read: " + e.getMessage()));
    }
    if (event == null || event.isMissingNode()) {
      throw new MalformedEvent(List.of("the event is empty: expected a JSON object"));
    }
    if (!event.isObject()) {
      throw new MalformedEvent(List.of("the event must be a JSON object, got "
          + event.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    return (ObjectNode) event;
  }

  private static void throwIfAny(List<String> problems) {
    if (!problems.isEmpty()) {
      throw new MalformedEvent(problems);
    }
  }

  private static String quoted(String value) {
    return value == null ? "(none)" : "'" + value + "'";
  }
}
