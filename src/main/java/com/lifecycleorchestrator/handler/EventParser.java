package com.lifecycleorchestrator.handler;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.RunbookEnd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
 * (a runbook's status change) or from the reconciler's schedule, a continuation from an earlier invocation (directly, or as a message of the
 * waiting room's queue), or anything else. The envelopes are the Lambda events library's
 * ({@link ScheduledEvent} for EventBridge's, {@link SQSEvent} for the queue's), read with the
 * serializers the Lambda Java runtime reads them with; what is ours, the lifecycle action's detail
 * and the continuation, is validated strictly, with every bad field named. Any other input is
 * recognised and passed over.
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

  /** The one envelope field whose problem is not the library's to find: it reads a number as a year. */
  private static final String TIME = "time";

  /** Only to tell the envelopes apart, and to find the fields the library refuses. */
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PojoSerializer<ScheduledEvent> EVENTBRIDGE =
      LambdaEventSerializers.serializerFor(ScheduledEvent.class, EventParser.class.getClassLoader());
  private static final PojoSerializer<SQSEvent> SQS =
      LambdaEventSerializers.serializerFor(SQSEvent.class, EventParser.class.getClassLoader());

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
    ScheduledEvent event = envelope(tree, problems);
    String source = event.getSource();
    String detailType = event.getDetailType();
    if (ContinuationEvent.SOURCE.equals(source) && ContinuationEvent.DETAIL_TYPE.equals(detailType)) {
      return new Inbound.Resume(continuation(event, problems), event.getId());
    }
    if (SCHEDULE_SOURCE.equals(source) && SCHEDULED_EVENT.equals(detailType)) {
      return new Inbound.Reconcile(event.getId());
    }
    if (SSM_SOURCE.equals(source) && EXECUTION_STATUS_CHANGE.equals(detailType)) {
      return new Inbound.RunbookEnded(runbookEnd(event, problems), event.getId());
    }
    if (source == null) {
      return new Inbound.NotForUs("not an EventBridge event (no source), such as Auto Scaling's test notification");
    }
    if (!AUTO_SCALING_SOURCE.equals(source)) {
      return new Inbound.NotForUs("an event from source " + quoted(source) + ", not " + AUTO_SCALING_SOURCE);
    }
    LifecycleAction.Transition transition = DETAIL_TYPES.get(detailType);
    if (transition == null) {
      return new Inbound.NotForUs("an Auto Scaling event of detail-type " + quoted(detailType)
          + ", not a lifecycle action");
    }
    return new Inbound.Action(lifecycleAction(event, transition, problems), event.getId());
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
      return read(SQS, tree);
    } catch (UncheckedIOException refused) {
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

  private static LifecycleAction lifecycleAction(ScheduledEvent event, LifecycleAction.Transition expected,
      List<String> problems) {
    Instant heldSince = Optional.ofNullable(event.getTime()).map(time -> Instant.ofEpochMilli(time.getMillis()))
        .orElse(null);
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
  private static RunbookEnd runbookEnd(ScheduledEvent event, List<String> problems) {
    LifecycleDetail detail = detail(event, problems);
    Runbook.ExecutionId execution = detail.get(EXECUTION_ID, Runbook.ExecutionId::new);
    String definition = detail.get(DEFINITION, EventParser::nonEmpty);
    Runbook.Status status = detail.get(STATUS, text -> new Runbook.Status(nonEmpty(text)));
    Optional<Instant> endTime = Optional.ofNullable(detail.has(END_TIME) ? detail.get(END_TIME, text -> text) : null)
        .flatMap(EventParser::ssmEventTime);
    Optional<Instant> time = Optional.ofNullable(event.getTime()).map(at -> Instant.ofEpochMilli(at.getMillis()));
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
  private static Continuation continuation(ScheduledEvent event, List<String> problems) {
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
    throwIfAny(problems);
    LifecycleAction placed = destination.map(action::withDestination).orElse(action);
    return new Continuation(activity.map(placed::withActivity).orElse(placed), execution, lastHeartbeat,
        hookDeadline, hook, handOvers, capacityWaits, pending, runbook);
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
  private static LifecycleDetail detail(ScheduledEvent event, List<String> problems) {
    if (event.getDetail() == null) {
      problems.add("detail must be an object with the lifecycle action's fields");
      throw new MalformedEvent(problems);
    }
    return new LifecycleDetail(event.getDetail(), problems);
  }

  /**
   * The EventBridge envelope as the library reads it. A field it refuses is named, with what it
   * should be, and left out, so that the rest is still read and every bad field is named at once.
   */
  private static ScheduledEvent envelope(ObjectNode tree, List<String> problems) {
    JsonNode time = tree.get(TIME);
    if (time != null && !time.isNull() && !time.isTextual()) {
      refuse(tree, TIME, problems);
    }
    try {
      return read(EVENTBRIDGE, tree);
    } catch (UncheckedIOException refused) {
      // The library's error names the field only inside its own (shaded) Jackson types: read each
      // field on its own to find the ones it refuses.
      List<String> names = new ArrayList<>();
      tree.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        ObjectNode alone = JSON.createObjectNode().set(name, tree.get(name));
        try {
          read(EVENTBRIDGE, alone);
        } catch (UncheckedIOException refusedField) {
          refuse(tree, name, problems);
        }
      }
      return read(EVENTBRIDGE, tree);
    }
  }

  private static void refuse(ObjectNode tree, String name, List<String> problems) {
    JsonNode value = tree.remove(name);
    problems.add(switch (name) {
      case TIME -> TIME + " must be a UTC time such as 2026-11-25T13:00:00Z, got " + value;
      case "detail" -> "detail must be an object with the lifecycle action's fields, got " + value;
      default -> name + " is not what an EventBridge event holds there, got " + value;
    });
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

  private static <T> T read(PojoSerializer<T> serializer, JsonNode tree) {
    try {
      return serializer.fromJson(new ByteArrayInputStream(JSON.writeValueAsBytes(tree)));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
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
