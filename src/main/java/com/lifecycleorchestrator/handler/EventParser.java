package com.lifecycleorchestrator.handler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Runbook;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads what Lambda delivers to the function: an EventBridge event from EC2 Auto Scaling, a
 * continuation from an earlier invocation (directly, or as a message of the waiting room's queue),
 * or anything else. A lifecycle action event and a continuation are validated strictly, with every
 * bad field named; any other input is recognised and passed over.
 */
final class EventParser {

  static final String AUTO_SCALING_SOURCE = "aws.autoscaling";
  static final String SCHEDULE_SOURCE = "aws.events";
  static final String SCHEDULED_EVENT = "Scheduled Event";
  static final String TEST_NOTIFICATION = "autoscaling:TEST_NOTIFICATION";

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

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a delivery turned out to be. */
  sealed interface Inbound {
    /** A lifecycle action to handle. */
    record Action(LifecycleAction action, String eventId) implements Inbound {}

    /** A lifecycle action an earlier invocation handed over. */
    record Resume(Continuation continuation, String eventId) implements Inbound {}

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
    JsonNode event;
    try {
      event = JSON.readTree(payload);
    } catch (JsonProcessingException e) {
      throw new MalformedEvent(List.of("the event is not JSON: " + e.getOriginalMessage()));
    } catch (java.io.IOException e) {
      throw new MalformedEvent(List.of("the event could not be read: " + e.getMessage()));
    }
    if (event == null || event.isMissingNode()) {
      throw new MalformedEvent(List.of("the event is empty: expected a JSON object"));
    }
    if (!event.isObject()) {
      throw new MalformedEvent(List.of("the event must be a JSON object, got "
          + event.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    if (event.has("Records")) {
      return fromWaitingRoom(event.get("Records"));
    }
    if (TEST_NOTIFICATION.equals(text(event, "Event"))) {
      return new Inbound.NotForUs("an Auto Scaling test notification for group "
          + text(event, "AutoScalingGroupName"));
    }
    String source = text(event, "source");
    String detailType = text(event, "detail-type");
    if (ContinuationEvent.SOURCE.equals(source) && ContinuationEvent.DETAIL_TYPE.equals(detailType)) {
      return new Inbound.Resume(continuation(event), text(event, "id"));
    }
    if (SCHEDULE_SOURCE.equals(source) && SCHEDULED_EVENT.equals(detailType)) {
      return new Inbound.Reconcile(text(event, "id"));
    }
    if (!AUTO_SCALING_SOURCE.equals(source)) {
      return new Inbound.NotForUs("an event from source " + quoted(source) + ", not " + AUTO_SCALING_SOURCE);
    }
    LifecycleAction.Transition transition = DETAIL_TYPES.get(detailType);
    if (transition == null) {
      return new Inbound.NotForUs("an Auto Scaling event of detail-type " + quoted(detailType)
          + ", not a lifecycle action");
    }
    return new Inbound.Action(lifecycleAction(event, transition), text(event, "id"));
  }

  /**
   * A batch from the waiting room's SQS queue: one message, whose body is a continuation event.
   * The event source mapping delivers one message per invocation, so that a failed continuation is
   * retried, and kept in the queue's dead-letter queue, on its own.
   */
  private Inbound fromWaitingRoom(JsonNode records) {
    if (!records.isArray() || records.size() != 1) {
      throw new MalformedEvent(List.of("Records must hold exactly one SQS message (the waiting room's "
          + "event source mapping must have BatchSize 1), got " + (records.isArray() ? records.size() : records)));
    }
    JsonNode record = records.get(0);
    if (!"aws:sqs".equals(text(record, "eventSource")) || text(record, "body") == null) {
      throw new MalformedEvent(List.of("Records[0] must be an SQS message with a body"));
    }
    Inbound inbound = parse(text(record, "body").getBytes(StandardCharsets.UTF_8));
    if (!(inbound instanceof Inbound.Resume)) {
      throw new MalformedEvent(List.of("the waiting room's message must be a continuation event, got "
          + (inbound instanceof Inbound.NotForUs notForUs ? notForUs.reason() : "a lifecycle action event")));
    }
    return inbound;
  }

  private static LifecycleAction lifecycleAction(JsonNode event, LifecycleAction.Transition expected) {
    Fields fields = new Fields(event);
    Instant heldSince = fields.get("time", EventParser::instant);
    Fields details = fields.detail();
    LifecycleAction.Transition transition = details.get(TRANSITION, LifecycleAction.Transition::fromWireName);
    if (transition != null && transition != expected) {
      details.problems.add("detail." + TRANSITION + " is " + transition.wireName()
          + " but detail-type says " + expected.wireName());
    }
    LifecycleAction action = details.action(expected, heldSince, true);
    details.place(ORIGIN);
    Optional<LifecycleAction.Place> destination = details.place(DESTINATION);
    fields.throwIfAnyProblem();
    return destination.map(action::withDestination).orElse(action);
  }

  /** The continuation event: the action's fields, and what the wait needs, all required but the execution. */
  private static Continuation continuation(JsonNode event) {
    Fields details = new Fields(event).detail();
    LifecycleAction.Transition transition = details.get(TRANSITION, LifecycleAction.Transition::fromWireName);
    Instant heldSince = details.get(ContinuationEvent.HELD_SINCE, EventParser::instant);
    LifecycleAction action = details.action(transition, heldSince, details.has(TOKEN));
    Optional<LifecycleAction.Place> destination = details.place(DESTINATION);
    Optional<LifecycleAction.ScalingActivity> activity = Optional.empty();
    if (details.has(ContinuationEvent.ACTIVITY_ID) || details.has(ContinuationEvent.ACTIVITY_STARTED)) {
      Instant started = details.get(ContinuationEvent.ACTIVITY_STARTED, EventParser::instant);
      activity = Optional.ofNullable(details.get(ContinuationEvent.ACTIVITY_ID,
          id -> new LifecycleAction.ScalingActivity(id, started == null ? Instant.EPOCH : started)));
    }
    Optional<Runbook.ExecutionId> execution = details.has(ContinuationEvent.EXECUTION)
        ? Optional.ofNullable(details.get(ContinuationEvent.EXECUTION, Runbook.ExecutionId::new))
        : Optional.empty();
    Instant lastHeartbeat = details.get(ContinuationEvent.LAST_HEARTBEAT, EventParser::instant);
    Instant hookDeadline = details.get(ContinuationEvent.HOOK_DEADLINE, EventParser::instant);
    Integer handOvers = details.count(ContinuationEvent.HAND_OVERS, 1);
    Integer capacityWaits = details.count(ContinuationEvent.CAPACITY_WAITS, 0);
    Optional<HookTimeouts> hook = hookTimeouts(details);
    Optional<Continuation.Pending> pending = details.has(ContinuationEvent.PENDING_RESULT)
        ? Optional.ofNullable(pending(details))
        : Optional.empty();
    details.throwIfAnyProblem();
    LifecycleAction placed = destination.map(action::withDestination).orElse(action);
    return new Continuation(activity.map(placed::withActivity).orElse(placed), execution, lastHeartbeat,
        hookDeadline, hook, handOvers, capacityWaits, pending);
  }

  /** The hook's timeouts, when the continuation carries them (one from the reconciler does not). */
  private static Optional<HookTimeouts> hookTimeouts(Fields details) {
    if (!details.has(ContinuationEvent.HEARTBEAT_TIMEOUT)) {
      return Optional.empty();
    }
    Integer heartbeat = details.count(ContinuationEvent.HEARTBEAT_TIMEOUT, 1);
    Integer global = details.count(ContinuationEvent.GLOBAL_TIMEOUT, 1);
    Optional<LifecycleResult> defaultResult = details.has(ContinuationEvent.DEFAULT_RESULT)
        ? Optional.ofNullable(details.get(ContinuationEvent.DEFAULT_RESULT, EventParser::result))
        : Optional.empty();
    if (heartbeat == null || global == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(new HookTimeouts(Duration.ofSeconds(heartbeat), Duration.ofSeconds(global), defaultResult));
    } catch (IllegalArgumentException e) {
      details.problems.add("detail." + ContinuationEvent.HEARTBEAT_TIMEOUT + " and " + ContinuationEvent.GLOBAL_TIMEOUT
          + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  private static Continuation.Pending pending(Fields details) {
    LifecycleResult result = details.get(ContinuationEvent.PENDING_RESULT, EventParser::result);
    String reason = details.get(ContinuationEvent.PENDING_REASON, Function.identity());
    return result == null || reason == null ? null : new Continuation.Pending(result, reason);
  }

  private static LifecycleResult result(String value) {
    try {
      return LifecycleResult.valueOf(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("must be CONTINUE or ABANDON, got " + quoted(value));
    }
  }

  private static Instant instant(String value) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("must be a UTC time such as 2026-11-25T13:00:00Z, got " + quoted(value));
    }
  }

  /** Reads string fields of one JSON object, collecting a problem for each bad one. */
  private static final class Fields {
    private final JsonNode object;
    private final String prefix;
    private final List<String> problems;

    Fields(JsonNode object) {
      this(object, "", new ArrayList<>());
    }

    Fields(JsonNode object, String prefix, List<String> problems) {
      this.object = object;
      this.prefix = prefix;
      this.problems = problems;
    }

    /** The event's detail object; without one there is nothing more to read. */
    Fields detail() {
      JsonNode detail = object.get("detail");
      if (detail == null || !detail.isObject()) {
        problems.add("detail must be an object with the lifecycle action's fields");
        throw new MalformedEvent(problems);
      }
      return new Fields(detail, "detail.", problems);
    }

    /** The lifecycle action named by the detail's fields, or null when any of them is bad. */
    LifecycleAction action(LifecycleAction.Transition transition, Instant heldSince, boolean withToken) {
      Optional<LifecycleAction.Token> token = withToken
          ? Optional.ofNullable(get(TOKEN, LifecycleAction.Token::new))
          : Optional.empty();
      LifecycleAction.GroupName group = get(GROUP, LifecycleAction.GroupName::new);
      LifecycleAction.HookName hook = get(HOOK, LifecycleAction.HookName::new);
      LifecycleAction.InstanceId instance = get(INSTANCE, LifecycleAction.InstanceId::new);
      return problems.isEmpty() ? new LifecycleAction(transition, group, hook, instance, token, heldSince) : null;
    }

    /**
     * Where an instance comes from or goes to: optional (events from before warm pools lack it),
     * but one of AWS's three names when present.
     */
    Optional<LifecycleAction.Place> place(String name) {
      return has(name) ? Optional.ofNullable(get(name, LifecycleAction.Place::fromWireName)) : Optional.empty();
    }

    boolean has(String name) {
      return object.has(name) && !object.get(name).isNull();
    }

    /** A whole number of at least {@code least}. */
    Integer count(String name, int least) {
      JsonNode node = object.get(name);
      if (node == null || !node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < least) {
        problems.add(prefix + name + " must be a whole number of at least " + least + ", got " + node);
        return null;
      }
      return node.intValue();
    }

    void throwIfAnyProblem() {
      if (!problems.isEmpty()) {
        throw new MalformedEvent(problems);
      }
    }

    <T> T get(String name, Function<String, T> convert) {
      JsonNode node = object.get(name);
      if (node == null || node.isNull()) {
        problems.add(prefix + name + " is missing");
        return null;
      }
      if (!node.isTextual()) {
        problems.add(prefix + name + " must be a string, got " + node.getNodeType().name().toLowerCase(Locale.ROOT));
        return null;
      }
      try {
        return convert.apply(node.asText());
      } catch (IllegalArgumentException e) {
        problems.add(prefix + name + " " + e.getMessage());
        return null;
      }
    }
  }

  private static String text(JsonNode object, String name) {
    return Optional.ofNullable(object.get(name)).filter(JsonNode::isTextual).map(JsonNode::asText).orElse(null);
  }

  private static String quoted(String value) {
    return value == null ? "(none)" : "'" + value + "'";
  }
}
