package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * CloudFormation as far as a deployed stack is read back: {@code DescribeStacks} of one stack by
 * name, with its status, parameters and outputs ("DescribeStacks", AWS CloudFormation API
 * Reference: a stack that does not exist is a {@code ValidationError}).
 */
public final class StandInCloudFormation {

  private record Stack(String name, String status, Map<String, String> parameters, Map<String, String> outputs,
      Instant createdAt) {}

  private final Clock clock;
  private final Protocol protocol;
  private final Map<String, Stack> stacks = new LinkedHashMap<>();

  StandInCloudFormation(Clock clock, Protocol protocol) {
    this.clock = clock;
    this.protocol = protocol;
  }

  /** A stack as a deployment left it: its status, the parameters it was deployed with, its outputs. */
  public synchronized StandInCloudFormation stack(String name, String status, Map<String, String> parameters,
      Map<String, String> outputs) {
    stacks.put(name, new Stack(name, status, Map.copyOf(parameters), Map.copyOf(outputs), clock.now()));
    return this;
  }

  Map<String, AwsStandIn.Operation> operations() {
    return Map.of("DescribeStacks", this::describeStacks);
  }

  private synchronized ObjectNode describeStacks(JsonNode input) {
    String name = protocol.required(input, "StackName");
    Stack stack = stacks.get(name);
    if (stack == null) {
      throw protocol.invalid("Stack with id " + name + " does not exist");
    }
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    ObjectNode described = output.putArray("Stacks").addObject()
        .put("StackId", "arn:aws:cloudformation:" + AwsStandIn.REGION + ":" + AwsStandIn.ACCOUNT + ":stack/"
            + name + "/" + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)))
        .put("StackName", name);
    pairs(described.putArray("Parameters"), stack.parameters(), "ParameterKey", "ParameterValue");
    described.putPOJO("CreationTime", stack.createdAt()).put("StackStatus", stack.status());
    pairs(described.putArray("Outputs"), stack.outputs(), "OutputKey", "OutputValue");
    return output;
  }

  private static void pairs(ArrayNode list, Map<String, String> values, String keyMember, String valueMember) {
    values.forEach((key, value) -> list.addObject().put(keyMember, key).put(valueMember, value));
  }
}
