package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stack's CloudWatch dashboard shows metrics the function really writes, under the namespace and
 * dimension it writes them with, the queues that hold actions for a person, and every alarm.
 */
class DashboardTest {

  private static final Path FUNCTION_METRICS = Path.of("src/main/java/com/lifecycleorchestrator/handler/FunctionMetrics.java");
  private static final Pattern STRING_LITERAL = Pattern.compile("\"([A-Za-z]+)\"");
  private static final Pattern NAMESPACE_CONSTANT = Pattern.compile("NAMESPACE = \"([^\"]+)\"");
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @EnumSource(value = Deployment.class, names = {"DEFAULTS", "WITHOUT_WAITING_ROOM"})
  void everyFunctionMetricShownIsOneTheCodeWritesWithItsNamespaceAndService(Deployment deployment) throws IOException {
    String code = Files.readString(FUNCTION_METRICS);
    Set<String> literals = new HashSet<>();
    Matcher literal = STRING_LITERAL.matcher(code);
    while (literal.find()) {
      literals.add(literal.group(1));
    }
    Matcher namespace = NAMESPACE_CONSTANT.matcher(code);
    assertTrue(namespace.find(), "FunctionMetrics names its namespace");
    Map<String, Object> variables = deployment.template().functionVariables();

    Set<String> shown = new TreeSet<>();
    for (JsonNode metric : metrics(deployment)) {
      if (!metric.get(0).asText().equals("AWS/SQS")) {
        assertEquals(variables.getOrDefault("POWERTOOLS_METRICS_NAMESPACE", namespace.group(1)), metric.get(0).asText());
        assertEquals("Service", metric.get(2).asText());
        assertEquals(variables.get("POWERTOOLS_SERVICE_NAME"), metric.get(3).asText());
        shown.add(metric.get(1).asText());
      }
    }

    assertTrue(shown.containsAll(Set.of("ActionsContinued", "ActionsAbandoned", "ActionsRecovered", "ActionsParked",
        "ThrottledCalls", "ReleaseDelay")), "the outcomes, recoveries, parkings, throttling and release delay: " + shown);
    Set<String> unknown = new TreeSet<>(shown);
    unknown.removeAll(literals);
    assertEquals(Set.of(), unknown, "the dashboard shows metrics FunctionMetrics never writes");
  }

  @ParameterizedTest
  @EnumSource(value = Deployment.class, names = {"DEFAULTS", "WITHOUT_WAITING_ROOM"})
  void theQueuesForAPersonAndEveryAlarmAreShown(Deployment deployment) throws IOException {
    StackTemplate template = deployment.template();
    Set<String> queues = new TreeSet<>();
    metrics(deployment).forEach(metric -> {
      if (metric.get(0).asText().equals("AWS/SQS")) {
        queues.add(metric.get(3).asText());
      }
    });
    Set<String> alarms = new TreeSet<>();
    widgets(deployment).forEach(widget -> widget.path("properties").path("alarms").forEach(alarm -> alarms.add(alarm.asText())));

    Set<String> expectedQueues = new TreeSet<>(Set.of("${FailedActionsQueue.QueueName}", "${UndeliveredEventsQueue.QueueName}"));
    Set<String> expectedAlarms = new TreeSet<>(Set.of("${FailedActionsAlarm.Arn}", "${UndeliveredEventsAlarm.Arn}"));
    if (template.condition("HasWaitingRoom")) {
      expectedQueues.add("${WaitingRoomDeadLetterQueue.QueueName}");
      expectedAlarms.add("${WaitingRoomLostAlarm.Arn}");
    }
    assertEquals(expectedQueues, queues);
    assertEquals(expectedAlarms, alarms);
    assertEquals(alarmsOf(template).stream().map(alarm -> "${" + alarm + ".Arn}").collect(Collectors.toSet()), alarms,
        "every alarm of the stack");
  }

  private static Set<String> alarmsOf(StackTemplate template) {
    Set<String> alarms = new HashSet<>();
    StackTemplate.section("Resources").forEach((logicalId, resource) -> {
      if ("AWS::CloudWatch::Alarm".equals(StackTemplate.map(resource).get("Type")) && template.resource(logicalId).isPresent()) {
        alarms.add(logicalId);
      }
    });
    return alarms;
  }

  private static List<JsonNode> widgets(Deployment deployment) throws IOException {
    // What only a deployment knows (a queue's name, an alarm's ARN) stays a ${placeholder}, valid JSON text.
    String body = (String) deployment.template().requiredResource("Dashboard").get("DashboardBody");
    List<JsonNode> widgets = new ArrayList<>();
    JSON.readTree(body).path("widgets").forEach(widgets::add);
    return widgets;
  }

  private static List<JsonNode> metrics(Deployment deployment) throws IOException {
    List<JsonNode> metrics = new ArrayList<>();
    for (JsonNode widget : widgets(deployment)) {
      widget.path("properties").path("metrics").forEach(metrics::add);
    }
    return metrics;
  }
}
