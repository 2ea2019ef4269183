package com.lifecycleorchestrator.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a role is allowed in {@code template.yaml}, for one deployment; by default the function's: its
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
    policies.addAll(attachedTo(template, FUNCTION_ROLE));
    return of(policies);
  }

  /**
   * What an {@code AWS::IAM::Role} of the template is allowed: its inline {@code Policies} and the
   * policies attached to it. A role with a managed policy fails the reading.
   */
  static FunctionPolicy ofRole(StackTemplate template, String roleLogicalId) {
    Map<String, Object> role = template.requiredResource(roleLogicalId);
    if (role.containsKey("ManagedPolicyArns")) {
      throw new AssertionError(roleLogicalId + " has managed policies, which the tests cannot read: "
          + role.get("ManagedPolicyArns"));
    }
    List<Object> policies = new ArrayList<>();
    listOf(role.getOrDefault("Policies", List.of()))
        .forEach(policy -> policies.add(StackTemplate.map(policy).get("PolicyDocument")));
    policies.addAll(attachedTo(template, roleLogicalId));
    return of(policies);
  }

  /** The documents of the {@code AWS::IAM::Policy} and {@code AWS::IAM::RolePolicy} resources on the role. */
  private static List<Object> attachedTo(StackTemplate template, String roleLogicalId) {
    Map<String, Object> reference = Map.of("Ref", roleLogicalId);
    List<Object> documents = new ArrayList<>();
    for (String logicalId : StackTemplate.section("Resources").keySet()) {
      Object type = StackTemplate.map(StackTemplate.section("Resources").get(logicalId)).get("Type");
      template.resource(logicalId)
          .filter(resource -> "AWS::IAM::Policy".equals(type) && listOf(resource.get("Roles")).contains(reference)
              || "AWS::IAM::RolePolicy".equals(type) && reference.equals(resource.get("RoleName")))
          .ifPresent(resource -> documents.add(resource.get("PolicyDocument")));
    }
    return documents;
  }

  private static FunctionPolicy of(List<Object> policies) {
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

  /** Every statement that allows the action. */
  List<Grant> grantsOf(String action) {
    return grants.stream().filter(grant -> grant.actions().contains(action)).toList();
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
