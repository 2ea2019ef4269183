package com.lifecycleorchestrator.deployment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code template.yaml} as CloudFormation would see it when deployed with some parameter values: the
 * parameters' defaults filled in, the conditions decided, {@code Fn::If} chosen, {@code Ref} and
 * {@code Fn::Sub} of parameters and pseudo parameters substituted, {@code AWS::NoValue} removed, and
 * resources whose condition is false left out. What only a deployment knows (a resource's generated
 * name or ARN) stays as written, or takes the value a test gives for it.
 */
final class StackTemplate {

  static final Path FILE = Path.of("template.yaml");
  static final String REGION = "us-east-1";
  static final String ACCOUNT = "123456789012";
  static final String STACK_NAME = "lifecycle-orchestrator";
  static final String STACK_ID =
      "arn:aws:cloudformation:us-east-1:123456789012:stack/lifecycle-orchestrator/5d2f8e10-1c3a-11f0-9a7b-0a1b2c3d4e5f";

  private static final Map<String, Object> RAW = CloudFormationYaml.load(FILE);
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}!][^}]*)}");
  private static final Object NO_VALUE = new Object();

  private final Map<String, String> parameters;
  private final Map<String, String> deployed;
  private final Map<String, Boolean> conditions = new HashMap<>();

  private StackTemplate(Map<String, String> parameters, Map<String, String> deployed) {
    this.parameters = parameters;
    this.deployed = deployed;
  }

  /** The template deployed with these parameter values, the others at their defaults. */
  static StackTemplate deployedWith(Map<String, String> values) {
    return deployedWith(values, Map.of());
  }

  /**
   * As {@link #deployedWith(Map)}, with the values a deployment gives to resources: {@code Ref} of
   * a logical id, or {@code Fn::GetAtt} as {@code "LogicalId.Attribute"}.
   */
  static StackTemplate deployedWith(Map<String, String> values, Map<String, String> deployed) {
    Map<String, String> parameters = new LinkedHashMap<>();
    section("Parameters").forEach((name, definition) -> {
      Object value = values.containsKey(name) ? values.get(name) : map(definition).get("Default");
      if (value == null) {
        throw new IllegalArgumentException("parameter " + name + " has no default: give it a value");
      }
      parameters.put(name, String.valueOf(value));
    });
    values.keySet().stream().filter(name -> !parameters.containsKey(name)).findAny().ifPresent(name -> {
      throw new IllegalArgumentException("template.yaml has no parameter " + name);
    });
    return new StackTemplate(parameters, deployed);
  }

  /** A section of the template as written, such as {@code Parameters}. */
  static Map<String, Object> section(String name) {
    return map(RAW.getOrDefault(name, Map.of()));
  }

  String parameter(String name) {
    return parameters.get(name);
  }

  boolean condition(String name) {
    // Not computeIfAbsent: a condition may name another, whose decision fills the map meanwhile.
    Boolean decided = conditions.get(name);
    if (decided == null) {
      decided = decide(name);
      conditions.put(name, decided);
    }
    return decided;
  }

  /** A resource's {@code Properties}, resolved; empty when its condition leaves it out. */
  Optional<Map<String, Object>> resource(String logicalId) {
    Map<String, Object> resource = map(section("Resources").get(logicalId));
    if (resource.isEmpty()) {
      throw new IllegalArgumentException("template.yaml has no resource " + logicalId);
    }
    if (resource.containsKey("Condition") && !condition((String) resource.get("Condition"))) {
      return Optional.empty();
    }
    return Optional.of(map(resolve(resource.get("Properties"))));
  }

  Map<String, Object> requiredResource(String logicalId) {
    return resource(logicalId).orElseThrow(
        () -> new AssertionError(logicalId + " is left out of this deployment by its condition"));
  }

  /** The environment variables of the orchestrator function. */
  Map<String, Object> functionVariables() {
    return map(map(requiredResource("OrchestratorFunction").get("Environment")).get("Variables"));
  }

  /** The value CloudFormation would use in place of this template fragment. */
  Object resolve(Object value) {
    if (value instanceof List<?> list) {
      List<Object> resolved = new ArrayList<>();
      list.stream().map(this::resolve).filter(element -> element != NO_VALUE).forEach(resolved::add);
      return resolved;
    }
    if (!(value instanceof Map<?, ?> object)) {
      return value;
    }
    if (object.size() == 1) {
      String function = (String) object.keySet().iterator().next();
      Object argument = object.values().iterator().next();
      switch (function) {
        case "Ref":
          return reference((String) argument);
        case "Fn::If":
          List<?> choice = (List<?>) argument;
          return resolve(condition((String) choice.get(0)) ? choice.get(1) : choice.get(2));
        case "Fn::Sub":
          return substitute(argument);
        case "Fn::Join":
          List<?> joined = (List<?>) argument;
          List<?> parts = (List<?>) resolve(joined.get(1));
          return parts.stream().allMatch(String.class::isInstance)
              ? String.join((String) joined.get(0), parts.stream().map(String.class::cast).toList())
              : value;
        case "Fn::Split":
          List<?> split = (List<?>) argument;
          Object text = resolve(split.get(1));
          return text instanceof String string ? List.of(string.split(Pattern.quote((String) split.get(0)), -1)) : value;
        case "Fn::Select":
          List<?> select = (List<?>) argument;
          Object list = resolve(select.get(1));
          return list instanceof List<?> elements ? elements.get(Integer.parseInt(String.valueOf(select.get(0)))) : value;
        case "Fn::GetAtt":
          List<?> attribute = (List<?>) argument;
          String key = attribute.get(0) + "." + attribute.get(1);
          return deployed.containsKey(key) ? deployed.get(key) : value;
        default:
          break;
      }
    }
    Map<String, Object> resolved = new LinkedHashMap<>();
    object.forEach((key, element) -> {
      Object resolvedElement = resolve(element);
      if (resolvedElement != NO_VALUE) {
        resolved.put((String) key, resolvedElement);
      }
    });
    return resolved;
  }

  private Object reference(String name) {
    switch (name) {
      case "AWS::NoValue":
        return NO_VALUE;
      case "AWS::Region":
        return REGION;
      case "AWS::AccountId":
        return ACCOUNT;
      case "AWS::Partition":
        return "aws";
      case "AWS::StackName":
        return STACK_NAME;
      case "AWS::StackId":
        return STACK_ID;
      default:
        if (parameters.containsKey(name)) {
          return parameters.get(name);
        }
        return deployed.containsKey(name) ? deployed.get(name) : Map.of("Ref", name);
    }
  }

  /** {@code Fn::Sub}: a placeholder only a deployment can fill stays as it is. */
  private String substitute(Object argument) {
    String text;
    Map<String, Object> variables = new HashMap<>();
    if (argument instanceof List<?> withVariables) {
      text = (String) withVariables.get(0);
      map(withVariables.get(1)).forEach((name, variable) -> variables.put(name, resolve(variable)));
    } else {
      text = (String) argument;
    }
    Matcher placeholder = PLACEHOLDER.matcher(text);
    StringBuilder result = new StringBuilder();
    while (placeholder.find()) {
      String name = placeholder.group(1);
      Object value = variables.containsKey(name) ? variables.get(name) : name.contains(".")
          ? resolve(Map.of("Fn::GetAtt", List.of(name.split("\\.", 2))))
          : reference(name);
      placeholder.appendReplacement(result, Matcher.quoteReplacement(
          value instanceof String resolved ? resolved : "${" + placeholderFor(value, name) + "}"));
    }
    placeholder.appendTail(result);
    return result.toString().replace("${!", "${");
  }

  private static String placeholderFor(Object unresolved, String name) {
    Map<String, Object> function = map(unresolved);
    if (function.containsKey("Ref")) {
      return (String) function.get("Ref");
    }
    if (function.containsKey("Fn::GetAtt")) {
      List<?> attribute = (List<?>) function.get("Fn::GetAtt");
      return attribute.get(0) + "." + attribute.get(1);
    }
    return name;
  }

  /**
   * The {@code AssertDescription} of every assertion of the template's {@code Rules} that this
   * deployment fails, as CloudFormation refuses its change set with them; none if it may deploy.
   */
  List<String> failedRuleAssertions() {
    List<String> failed = new ArrayList<>();
    section("Rules").values().stream().map(StackTemplate::map).forEach(rule -> {
      if (!rule.containsKey("RuleCondition") || evaluate(rule.get("RuleCondition"))) {
        ((List<?>) rule.get("Assertions")).stream().map(StackTemplate::map)
            .filter(assertion -> !evaluate(assertion.get("Assert")))
            .forEach(assertion -> failed.add((String) assertion.get("AssertDescription")));
      }
    });
    return failed;
  }

  private boolean decide(String name) {
    Object definition = section("Conditions").get(name);
    if (definition == null) {
      throw new IllegalArgumentException("template.yaml has no condition " + name);
    }
    return evaluate(definition);
  }

  private boolean evaluate(Object expression) {
    Map<String, Object> function = map(expression);
    String name = function.keySet().iterator().next();
    Object argument = function.get(name);
    switch (name) {
      case "Condition":
        return condition((String) argument);
      case "Fn::Not":
        return !evaluate(((List<?>) argument).get(0));
      case "Fn::And":
        return ((List<?>) argument).stream().allMatch(this::evaluate);
      case "Fn::Or":
        return ((List<?>) argument).stream().anyMatch(this::evaluate);
      case "Fn::Equals":
        List<?> sides = (List<?>) argument;
        return String.valueOf(resolve(sides.get(0))).equals(String.valueOf(resolve(sides.get(1))));
      default:
        throw new IllegalArgumentException("a condition cannot use " + name);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> object ? (Map<String, Object>) object : Map.of();
  }
}
