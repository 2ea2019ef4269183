package com.lifecycleorchestrator.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the function's role is allowed in {@code template.yaml}, for one deployment: the function's
 * {@code Policies}, and the {@code AWS::IAM::Policy} resources attached to its role (a policy that
 * names the function itself must stand apart, or it would be a circular dependency). Only inline
 * statements can be read this way; a SAM policy template or a managed policy fails the reading, so
 * that nothing is allowed out of the tests' sight.
 */
record FunctionPolicy(List<Grant> grants) {

  /** One Allow statement. */
  record Grant(String sid, Set<String> actions, List<Object> resources, Map<String, Object> condition) {}

  /** The role SAM makes for the function, by its logical id. */
  static final String FUNCTION_ROLE = "OrchestratorFunctionRole";

  static FunctionPolicy of(StackTemplate template) {
    List<Object> policies = new ArrayList<>((List<?>) template.requiredResource("OrchestratorFunction").get("Policies"));
    for (String logicalId : StackTemplate.section("Resources").keySet()) {
      template.resource(logicalId)
          .filter(resource -> "AWS::IAM::Policy".equals(StackTemplate.section("Resources").get(logicalId) instanceof Map<?, ?> raw
              ? raw.get("Type") : null))
          .filter(resource -> listOf(resource.get("Roles")).contains(Map.of("Ref", FUNCTION_ROLE)))
          .ifPresent(resource -> policies.add(resource.get("PolicyDocument")));
    }
    List<Grant> grants = new ArrayList<>();
    for (Object policy : policies) {
      Object statements = StackTemplate.map(policy).get("Statement");
      if (!(statements instanceof List<?> list)) {
        throw new AssertionError("the tests read only inline policy statements, not " + policy);
      }
      for (Object element : list) {
        Map<String, Object> statement = StackTemplate.map(element);
        if (!"Allow".equals(statement.get("Effect"))) {
          throw new AssertionError("the tests read only Allow statements, not " + statement);
        }
        grants.add(new Grant(String.valueOf(statement.get("Sid")),
            new TreeSet<>(strings(statement.get("Action"))),
            listOf(statement.get("Resource")),
            StackTemplate.map(statement.get("Condition"))));
      }
    }
    return new FunctionPolicy(grants);
  }

  Set<String> actions() {
    return grants.stream().flatMap(grant -> grant.actions().stream()).collect(Collectors.toCollection(TreeSet::new));
  }

  /** Every resource on which the policy allows the action. */
  Set<String> resourcesOf(String action) {
    return grants.stream().filter(grant -> grant.actions().contains(action))
        .flatMap(grant -> strings(grant.resources()).stream())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The one statement that allows the action. */
  Grant grantOf(String action) {
    List<Grant> granting = grants.stream().filter(grant -> grant.actions().contains(action)).toList();
    if (granting.size() != 1) {
      throw new AssertionError("expected one statement allowing " + action + ", found " + granting);
    }
    return granting.get(0);
  }

  private static List<Object> listOf(Object value) {
    return value instanceof List<?> list ? new ArrayList<>(list) : List.of(value);
  }

  private static List<String> strings(Object value) {
    return listOf(value).stream().map(element -> {
      if (!(element instanceof String string)) {
        throw new AssertionError("not resolved to a string for this deployment: " + element);
      }
      return string;
    }).toList();
  }
}
