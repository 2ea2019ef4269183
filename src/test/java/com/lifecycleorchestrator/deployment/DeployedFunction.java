package com.lifecycleorchestrator.deployment;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The orchestrator function as {@code template.yaml} configures it when deployed with only the
 * group named: its handler, its environment variables (the JVM options apart, which a runtime takes
 * on its own), its memory and whether it publishes SnapStart versions, resolved as CloudFormation
 * would. For the programs outside this package that run the function the way Lambda would, such as
 * the cold-start benchmark.
 */
public record DeployedFunction(String handler, Map<String, String> variables, Optional<String> javaToolOptions,
    int memoryMegabytes, boolean snapStart) {

  private static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";

  public static DeployedFunction withDefaults() {
    StackTemplate template = Deployment.DEFAULTS.template();
    Map<String, String> variables = new LinkedHashMap<>();
    template.functionVariables().forEach((name, value) -> variables.put(name, String.valueOf(value)));
    Optional<String> javaToolOptions = Optional.ofNullable(variables.remove(JAVA_TOOL_OPTIONS));
    Map<?, ?> function = template.requiredResource("OrchestratorFunction");
    Object memory = function.get("MemorySize");
    boolean snapStart = function.get("SnapStart") instanceof Map<?, ?> snapStartSetting
        && "PublishedVersions".equals(snapStartSetting.get("ApplyOn"));
    return new DeployedFunction(String.valueOf(function.get("Handler")), Map.copyOf(variables), javaToolOptions,
        Integer.parseInt(String.valueOf(memory)), snapStart);
  }
}
