package com.lifecycleorchestrator.deployment;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The orchestrator function as {@code template.yaml} configures it when deployed with only the
 * group named: its environment variables, its memory and whether it publishes SnapStart versions,
 * resolved as CloudFormation would. For the programs outside this package that run the function the
 * way Lambda would, such as the cold-start benchmark.
 */
public record DeployedFunction(Map<String, String> variables, int memoryMegabytes, boolean snapStart) {

  public static DeployedFunction withDefaults() {
    StackTemplate template = Deployment.DEFAULTS.template();
    Map<String, String> variables = new LinkedHashMap<>();
    template.functionVariables().forEach((name, value) -> variables.put(name, String.valueOf(value)));
    Map<?, ?> function = template.requiredResource("OrchestratorFunction");
    Object memory = function.get("MemorySize");
    boolean snapStart = function.get("SnapStart") instanceof Map<?, ?> snapStartSetting
        && "PublishedVersions".equals(snapStartSetting.get("ApplyOn"));
    return new DeployedFunction(Map.copyOf(variables), Integer.parseInt(String.valueOf(memory)), snapStart);
  }
}
