package com.lifecycleorchestrator.handler;

import com.lifecycleorchestrator.core.LifecycleAction;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The detail of a lifecycle action event, of a continuation, or of a runbook's status-change event,
 * as the events library hands it
 * over (a map of JSON values): our own fields, read strictly, with a problem collected for each bad
 * one (its name prefixed {@code detail.}) rather than a stop at the first.
 */
final class LifecycleDetail {

  private final Map<String, Object> fields;
  private final List<String> problems;

  /** @param problems where each bad field's problem goes, shared with the envelope's */
  LifecycleDetail(Map<String, Object> fields, List<String> problems) {
    this.fields = fields;
    this.problems = problems;
  }

  /** The lifecycle action the detail names, or null when any of its fields is bad. */
  LifecycleAction action(LifecycleAction.Transition transition, Instant heldSince, boolean withToken) {
    Optional<LifecycleAction.Token> token = withToken
        ? Optional.ofNullable(get(EventParser.TOKEN, LifecycleAction.Token::new))
        : Optional.empty();
    LifecycleAction.GroupName group = get(EventParser.GROUP, LifecycleAction.GroupName::new);
    LifecycleAction.HookName hook = get(EventParser.HOOK, LifecycleAction.HookName::new);
    LifecycleAction.InstanceId instance = get(EventParser.INSTANCE, LifecycleAction.InstanceId::new);
    return problems.isEmpty() ? new LifecycleAction(transition, group, hook, instance, token, heldSince) : null;
  }

  /**
   * Where an instance comes from or goes to: optional (events from before warm pools lack it), but
   * one of AWS's three names when present.
   */
  Optional<LifecycleAction.Place> place(String name) {
    return has(name) ? Optional.ofNullable(get(name, LifecycleAction.Place::fromWireName)) : Optional.empty();
  }

  boolean has(String name) {
    return fields.get(name) != null;
  }

  /** A string field converted, or null (and a problem) when it is missing, not a string, or refused. */
  <T> T get(String name, Function<String, T> convert) {
    Object value = fields.get(name);
    if (value == null) {
      problems.add("detail." + name + " is missing");
      return null;
    }
    if (!(value instanceof String text)) {
      problems.add("detail." + name + " must be a string, got " + kindOf(value));
      return null;
    }
    try {
      return convert.apply(text);
    } catch (IllegalArgumentException e) {
      problems.add("detail." + name + " " + e.getMessage());
      return null;
    }
  }

  /** A whole number of at least {@code least}, or null (and a problem). */
  Integer count(String name, int least) {
    Object value = fields.get(name);
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= least
        && ((Number) value).longValue() <= Integer.MAX_VALUE) {
      return ((Number) value).intValue();
    }
    problems.add("detail." + name + " must be a whole number of at least " + least + ", got " + value);
    return null;
  }

  static Instant instant(String value) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("must be a UTC time such as 2026-11-25T13:00:00Z, got '" + value + "'");
    }
  }

  private static String kindOf(Object value) {
    if (value instanceof Number) {
      return "number";
    }
    if (value instanceof Boolean) {
      return "boolean";
    }
    return value instanceof Map ? "object" : value instanceof List ? "array" : value.getClass().getSimpleName();
  }
}
