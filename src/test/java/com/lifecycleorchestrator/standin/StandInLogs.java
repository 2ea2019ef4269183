package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CloudWatch Logs as far as a function's log lines are searched: {@code FilterLogEvents} of one log
 * group ("FilterLogEvents", Amazon CloudWatch Logs API Reference: a group that does not exist is
 * {@code ResourceNotFoundException}), with the filter patterns that match terms: every term must
 * occur in the line, a quoted term as written, case-sensitive ("Filter pattern syntax for metric
 * filters, subscription filters, filter log events, and Live Tail", Match terms in unstructured log
 * events). Lines are written by the test, as the function would write them.
 */
public final class StandInLogs {

  private static final Pattern TERM = Pattern.compile("\"([^\"]*)\"|(\\S+)");
  private static final String STREAM = "2026/11/25/[live]0123456789abcdef";

  private record Line(long timestamp, String message) {}

  private final Clock clock;
  private final Map<String, List<Line>> groups = new LinkedHashMap<>();

  StandInLogs(Clock clock) {
    this.clock = clock;
  }

  /** A line written now to the log group, which is made if it is new. */
  public synchronized StandInLogs line(String logGroup, String message) {
    groups.computeIfAbsent(logGroup, name -> new ArrayList<>()).add(new Line(clock.now().toEpochMilli(), message));
    return this;
  }

  Map<String, AwsStandIn.Operation> operations() {
    return Map.of("FilterLogEvents", this::filter);
  }

  private synchronized ObjectNode filter(JsonNode input) {
    String groupName = input.path("logGroupName").asText();
    List<Line> lines = groups.get(groupName);
    if (lines == null) {
      throw ServiceError.sender("ResourceNotFoundException", "The specified log group does not exist.");
    }
    List<String> terms = new ArrayList<>();
    Matcher term = TERM.matcher(input.path("filterPattern").asText(""));
    while (term.find()) {
      terms.add(term.group(1) != null ? term.group(1) : term.group(2));
    }
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    ArrayNode events = output.putArray("events");
    for (int i = 0; i < lines.size(); i++) {
      Line line = lines.get(i);
      if (terms.stream().allMatch(line.message()::contains)) {
        events.addObject()
            .put("logStreamName", STREAM)
            .put("timestamp", line.timestamp())
            .put("message", line.message())
            .put("ingestionTime", line.timestamp())
            .put("eventId", String.format("%056d", i));
      }
    }
    return output;
  }
}
