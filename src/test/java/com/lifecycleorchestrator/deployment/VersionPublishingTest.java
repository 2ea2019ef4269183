package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A change of parameters alone reaches the function that runs: the alias {@code live}. SAM publishes
 * a version under a logical id hashed from the code and the function's {@code Environment} as
 * written, its parameter references unresolved (serverless-application-model issues 1640 and 3820),
 * so the template makes the version's description name the parameters' values: CloudFormation
 * replaces an {@code AWS::Lambda::Version} whose {@code Description} changes ("AWS::Lambda::Version",
 * CloudFormation User Guide: Description, update requires replacement), which publishes a new version.
 * Each case translates the template with the SAM translator for the same code and two parameter sets.
 */
class VersionPublishingTest {

  private static final String FUNCTION = "OrchestratorFunction";
  private static final Map<String, String> BASE = Map.of("AutoScalingGroupName", "web-asg", "InstanceRoleName", "web-instances");

  /** A value other than the default, for every parameter the function's environment reads. */
  private static final Map<String, String> CHANGED = Map.ofEntries(
      Map.entry("AutoScalingGroupName", "batch-workers"),
      Map.entry("LifecycleHookName", "drain"),
      Map.entry("LaunchLifecycleHookName", "warm-up"),
      Map.entry("HeartbeatTimeoutSeconds", "900"),
      Map.entry("AgentWaitSeconds", "300"),
      Map.entry("AutomationDocumentName", "drain-and-archive"),
      Map.entry("AutomationDocumentOwner", "210987654321"),
      Map.entry("AutomationAssumeRoleArn", "arn:aws:iam::123456789012:role/drain-and-archive-runbook"),
      Map.entry("AutomationGroupNameParameter", "GroupName"),
      Map.entry("AutomationParameters", "{\"Verbose\": [\"true\"]}"),
      Map.entry("LaunchAutomationDocumentName", "warm-up-instance"),
      Map.entry("LaunchAutomationParameters", "{\"Quick\": [\"true\"]}"),
      Map.entry("FailureResult", "CONTINUE"),
      Map.entry("WarmPoolReturn", "CONTINUE"),
      Map.entry("UnreachableAgentResult", "RUN"),
      Map.entry("MaxPollIntervalSeconds", "30"),
      Map.entry("UseWaitingRoom", "false"),
      Map.entry("UseStatusEvents", "false"),
      Map.entry("UseReconciler", "false"),
      Map.entry("ReconcileEveryMinutes", "10"),
      Map.entry("ReconcileInstancesPerSecond", "8"),
      Map.entry("AllowedRunbooks", "drain-and-archive"));

  private static final Pattern SUB_PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9]+)}");

  private static final Map<String, String> IDENTITY_BY_CHANGE = new HashMap<>();
  private static String baseIdentity;
  private static String identityWithoutAFunctionSetting;
  private static String fleetIdentity;

  @BeforeAll
  static void translateOnceForEveryChange() throws Exception {
    List<String> changes = new ArrayList<>(CHANGED.keySet());
    List<Map<String, String>> sets = new ArrayList<>(List.of(BASE, with("LogRetentionDays", "90"),
        Map.of("AutoScalingGroupName", "", "AttachUploadPolicyYourself", "true")));
    changes.forEach(name -> sets.add(with(name, CHANGED.get(name))));
    List<JsonNode> translated = SamTranslation.of(sets);
    baseIdentity = versionIdentity(translated.get(0));
    identityWithoutAFunctionSetting = versionIdentity(translated.get(1));
    fleetIdentity = versionIdentity(translated.get(2));
    for (int i = 0; i < changes.size(); i++) {
      IDENTITY_BY_CHANGE.put(changes.get(i), versionIdentity(translated.get(i + 3)));
    }
  }

  @Test
  void everyParameterTheFunctionReadsIsTried() {
    assertEquals(parametersTheEnvironmentReads(), new TreeSet<>(CHANGED.keySet()),
        "give each parameter the function's Environment reads a changed value here");
  }

  @Test
  void changingAnyParameterTheFunctionReadsPublishesANewVersion() {
    List<String> unpublished = IDENTITY_BY_CHANGE.entrySet().stream()
        .filter(change -> change.getValue().equals(baseIdentity))
        .map(Map.Entry::getKey)
        .sorted()
        .toList();

    assertEquals(List.of(), unpublished, "changing only these would leave the live alias on the old settings");
  }

  /** No new version (and SnapStart snapshot) where the function's settings stay as they are. */
  @Test
  void aParameterTheFunctionDoesNotReadPublishesNoVersion() {
    assertEquals(baseIdentity, identityWithoutAFunctionSetting);
  }

  /** The SAM transform translates fleet mode too, as a version of its own. */
  @Test
  void fleetModeIsTranslatedAndPublishesItsOwnVersion() {
    assertNotEquals(baseIdentity, fleetIdentity);
  }

  @Test
  void theVersionsDescriptionFitsLambdasLimitWithTheDefaults() {
    String description = baseIdentity.substring(baseIdentity.indexOf(' ') + 1);

    assertNotEquals("", description);
    assertTrue(description.length() <= 256, "Lambda allows 256 characters: " + description);
  }

  private static Map<String, String> with(String name, String value) {
    Map<String, String> parameters = new HashMap<>(BASE);
    parameters.put(name, value);
    return parameters;
  }

  /** The version CloudFormation publishes: its logical id and its description as CloudFormation resolves it. */
  private static String versionIdentity(JsonNode template) {
    JsonNode versions = template.path("ResolvedVersions");
    assertEquals(1, versions.size(), "one version of the function: " + versions);
    String logicalId = versions.fieldNames().next();
    JsonNode description = versions.get(logicalId).path("Description");
    return logicalId + " " + (description.has("Fn::Sub") ? description.get("Fn::Sub").asText() : description.asText());
  }

  /** The parameters the function's Environment refers to, directly or through the conditions of its Fn::If. */
  static Set<String> parametersTheEnvironmentReads() {
    Map<String, Object> function = StackTemplate.map(StackTemplate.map(StackTemplate.section("Resources").get(FUNCTION)).get("Properties"));
    Set<String> parameters = new TreeSet<>();
    collectParameters(function.get("Environment"), parameters);
    return parameters;
  }

  private static void collectParameters(Object fragment, Set<String> parameters) {
    if (fragment instanceof List<?> list) {
      list.forEach(element -> collectParameters(element, parameters));
    } else if (fragment instanceof Map<?, ?> object) {
      object.forEach((key, value) -> {
        if ("Ref".equals(key) && StackTemplate.section("Parameters").containsKey(value)) {
          parameters.add((String) value);
        } else if ("Fn::If".equals(key)) {
          collectParameters(StackTemplate.section("Conditions").get(((List<?>) value).get(0)), parameters);
          collectParameters(((List<?>) value).subList(1, 3), parameters);
        } else if ("Condition".equals(key)) {
          collectParameters(StackTemplate.section("Conditions").get(value), parameters);
        } else if ("Fn::Sub".equals(key)) {
          String text = value instanceof List<?> withVariables ? (String) withVariables.get(0) : (String) value;
          Matcher placeholder = SUB_PLACEHOLDER.matcher(text);
          while (placeholder.find()) {
            if (StackTemplate.section("Parameters").containsKey(placeholder.group(1))) {
              parameters.add(placeholder.group(1));
            }
          }
          if (value instanceof List<?> withVariables) {
            collectParameters(withVariables.get(1), parameters);
          }
        } else {
          collectParameters(value, parameters);
        }
      });
    }
  }
}
