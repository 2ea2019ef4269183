package com.lifecycleorchestrator.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The orchestrator function's environment as {@code sam local invoke} gives it, read from the SAM CLI's
 * source (samcli/lib/intrinsic_resolver/intrinsics_symbol_table.py, samcli/local/lambdafn/env_vars.py):
 * a parameter is its default (one without a default is its own name), a {@code Ref} to a resource is
 * the resource's logical id, {@code Fn::GetAtt} of a resource's {@code Arn} is a Lambda function ARN
 * made of the logical id, any other unresolved function becomes the empty string; {@code AWS::Region}
 * is us-east-1 and {@code AWS::AccountId} 123456789012. Then the {@code --env-vars} file overrides
 * the variables it names under the function's logical id, and only those the template declares.
 */
public final class SamLocalFunction {

  /** The env file {@code sam local invoke --env-vars} takes, in the project's root. */
  public static final Path ENV_FILE = Path.of("sam-local-env.json");

  static final String FUNCTION = "OrchestratorFunction";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SAM_LOCAL_ACCOUNT = "123456789012";
  private static final String SAM_LOCAL_REGION = "us-east-1";

  private SamLocalFunction() {}

  /** The variables as SAM resolves them locally, before any env file. */
  public static Map<String, String> resolvedBySam() {
    Map<String, String> parameters = new LinkedHashMap<>();
    StackTemplate.section("Parameters").forEach((name, definition) -> {
      if (!StackTemplate.map(definition).containsKey("Default")) {
        parameters.put(name, name);
      }
    });
    Map<String, String> resources = new LinkedHashMap<>();
    for (String logicalId : StackTemplate.section("Resources").keySet()) {
      resources.put(logicalId, logicalId);
      resources.put(logicalId + ".Arn",
          "arn:aws:lambda:" + SAM_LOCAL_REGION + ":" + SAM_LOCAL_ACCOUNT + ":function:" + logicalId);
    }
    Map<String, String> variables = new LinkedHashMap<>();
    StackTemplate.deployedWith(parameters, resources).functionVariables()
        .forEach((name, value) -> variables.put(name, value instanceof Map<?, ?> || value instanceof List<?>
            ? "" : String.valueOf(value)));
    return variables;
  }

  /** The variables with the env file applied, and the Region SAM sets. */
  public static Map<String, String> withEnvFile() {
    Map<String, String> variables = resolvedBySam();
    envFileOverrides().forEach((name, value) -> {
      if (variables.containsKey(name)) {
        variables.put(name, value);
      }
    });
    variables.put("AWS_REGION", SAM_LOCAL_REGION);
    return variables;
  }

  /** What the env file sets for the function. */
  public static Map<String, String> envFileOverrides() {
    try {
      JsonNode function = JSON.readTree(ENV_FILE.toFile()).path(FUNCTION);
      Map<String, String> overrides = new LinkedHashMap<>();
      function.fields().forEachRemaining(field -> overrides.put(field.getKey(), field.getValue().asText()));
      return overrides;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + ENV_FILE, e);
    }
  }

  /**
   * The variables SAM cannot give their deployed value: those whose value in the template refers
   * to a resource, or to a parameter without a default, in any branch of an {@code Fn::If}.
   */
  public static Set<String> unresolvableLocally() {
    Set<String> resources = StackTemplate.section("Resources").keySet();
    Set<String> withoutDefault = new TreeSet<>();
    StackTemplate.section("Parameters").forEach((name, definition) -> {
      if (!StackTemplate.map(definition).containsKey("Default")) {
        withoutDefault.add(name);
      }
    });
    Map<String, Object> written = StackTemplate.map(StackTemplate.map(StackTemplate.map(StackTemplate.map(
        StackTemplate.section("Resources").get(FUNCTION)).get("Properties")).get("Environment")).get("Variables"));
    Set<String> unresolvable = new TreeSet<>();
    written.forEach((name, value) -> {
      if (refersTo(value, resources) || refersTo(value, withoutDefault)) {
        unresolvable.add(name);
      }
    });
    return unresolvable;
  }

  private static boolean refersTo(Object expression, Set<String> names) {
    if (expression instanceof List<?> list) {
      return list.stream().anyMatch(element -> refersTo(element, names));
    }
    if (!(expression instanceof Map<?, ?> object)) {
      return false;
    }
    if (object.get("Ref") instanceof String target && names.contains(target.split("\\.")[0])) {
      return true;
    }
    if (object.get("Fn::GetAtt") instanceof List<?> attribute && names.contains(String.valueOf(attribute.get(0)))) {
      return true;
    }
    return object.values().stream().anyMatch(element -> refersTo(element, names));
  }
}
