package com.lifecycleorchestrator.handler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.core.LifecycleAction;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads what Lambda delivers to the function: an EventBridge event from EC2 Auto Scaling, or
 * anything else. A lifecycle action event is validated strictly, with every bad field named; any
 * other input is recognised and passed over.
 */
final class EventParser {

  static final String AUTO_SCALING_SOURCE = "aws.autoscaling";
  static final String TEST_NOTIFICATION = "autoscaling:TEST_NOTIFICATION";

  /** The EventBridge detail-type of each lifecycle transition. */
  static final Map<String, LifecycleAction.Transition> DETAIL_TYPES = Map.of(
      "EC2 Instance-terminate Lifecycle Action", LifecycleAction.Transition.TERMINATING,
      "EC2 Instance-launch Lifecycle Action", LifecycleAction.Transition.LAUNCHING);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a delivery turned out to be. */
  sealed interface Inbound {
    /** A lifecycle action to handle. */
    record Action(LifecycleAction action, String eventId) implements Inbound {}

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
    if (TEST_NOTIFICATION.equals(text(event, "Event"))) {
      return new Inbound.NotForUs("an Auto Scaling test notification for group "
          + text(event, "AutoScalingGroupName"));
    }
    String source = text(event, "source");
    String detailType = text(event, "detail-type");
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

  private static LifecycleAction lifecycleAction(JsonNode event, LifecycleAction.Transition expected) {
    Fields fields = new Fields(event);
    Instant heldSince = fields.get("time", EventParser::instant);
    JsonNode detail = event.get("detail");
    if (detail == null || !detail.isObject()) {
      fields.problems.add("detail must be an object with the lifecycle action's fields");
      throw new MalformedEvent(fields.problems);
    }
    Fields details = new Fields(detail, "detail.", fields.problems);
    LifecycleAction.Transition transition =
        details.get("LifecycleTransition", LifecycleAction.Transition::fromWireName);
    if (transition != null && transition != expected) {
      details.problems.add("detail.LifecycleTransition is " + transition.wireName()
          + " but detail-type says " + expected.wireName());
    }
    LifecycleAction.Token token = details.get("LifecycleActionToken", LifecycleAction.Token::new);
    LifecycleAction.GroupName group = details.get("AutoScalingGroupName", LifecycleAction.GroupName::new);
    LifecycleAction.HookName hook = details.get("LifecycleHookName", LifecycleAction.HookName::new);
    LifecycleAction.InstanceId instance = details.get("EC2InstanceId", LifecycleAction.InstanceId::new);
    if (!fields.problems.isEmpty()) {
      throw new MalformedEvent(fields.problems);
    }
    return new LifecycleAction(expected, group, hook, instance, token, heldSince);
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
