package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * EventBridge as far as a rule of the default event bus is read back: {@code DescribeRule} and
 * {@code ListTargetsByRule} ("DescribeRule", "ListTargetsByRule", Amazon EventBridge API
 * Reference: a rule that does not exist is a {@code ResourceNotFoundException}). It delivers
 * nothing.
 */
public final class StandInEventBridge {

  private static final String BUS = "default";

  private record Rule(String name, String eventPattern, String state, String targetArn) {}

  private final Map<String, Rule> rules = new LinkedHashMap<>();

  /** A rule of the default bus with one target, such as the function's alias; state ENABLED or DISABLED. */
  public synchronized StandInEventBridge rule(String name, String eventPattern, String state, String targetArn) {
    rules.put(name, new Rule(name, eventPattern, state, targetArn));
    return this;
  }

  /** The rule's ARN, as a stack's output names it. */
  public static String ruleArn(String name) {
    return "arn:aws:events:" + AwsStandIn.REGION + ":" + AwsStandIn.ACCOUNT + ":rule/" + name;
  }

  Map<String, AwsStandIn.Operation> operations() {
    return Map.of(
        "DescribeRule", this::describeRule,
        "ListTargetsByRule", this::listTargets);
  }

  private synchronized ObjectNode describeRule(JsonNode input) {
    Rule rule = existing(input.path("Name").asText());
    return JsonNodeFactory.instance.objectNode()
        .put("Name", rule.name())
        .put("Arn", ruleArn(rule.name()))
        .put("EventPattern", rule.eventPattern())
        .put("State", rule.state())
        .put("EventBusName", BUS)
        .put("CreatedBy", AwsStandIn.ACCOUNT);
  }

  private synchronized ObjectNode listTargets(JsonNode input) {
    Rule rule = existing(input.path("Rule").asText());
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    output.putArray("Targets").addObject().put("Id", "function").put("Arn", rule.targetArn());
    return output;
  }

  private Rule existing(String name) {
    Rule rule = rules.get(name);
    if (rule == null) {
      throw ServiceError.sender("ResourceNotFoundException", "Rule " + name + " does not exist on EventBus " + BUS + ".");
    }
    return rule;
  }
}
