package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.event.ruler.Machine;

/**
 * The EventBridge rule of {@code template.yaml}, matched by event-ruler (the matcher behind
 * EventBridge) against the sample events: exactly the lifecycle actions of the configured group at
 * the configured hooks reach the function.
 */
class LifecycleRuleTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EVENTS = Path.of("events");

  private static final Map<String, String> TERMINATE_ONLY = Map.of("AutoScalingGroupName", "web-asg");
  private static final Map<String, String> WITH_LAUNCH = Map.of(
      "AutoScalingGroupName", "web-asg", "LaunchAutomationDocumentName", "warm-up-instance");

  static Stream<Arguments> deliveries() {
    return Stream.of(
        Arguments.of("a terminate lifecycle action", sample("terminate.json"), true, true),
        Arguments.of("a malformed terminate action, for the function to refuse loudly", sample("malformed.json"), true, true),
        Arguments.of("a launch lifecycle action", sample("launch.json"), false, true),
        // "Warm pool example events and patterns" (EC2 Auto Scaling User Guide): the warm pool's
        // actions carry the same detail-types, told apart by Origin and Destination only.
        Arguments.of("a launch into the warm pool", sample("warm-pool-launch-into-pool.json"), false, true),
        Arguments.of("a launch from the warm pool into the group", sample("warm-pool-launch-into-group.json"), false, true),
        Arguments.of("a return to the warm pool on scale-in", sample("warm-pool-return.json"), true, true),
        Arguments.of("a termination from the warm pool", sample("warm-pool-terminate.json"), true, true),
        Arguments.of("a launch lifecycle action at a hook of the terminate hook's name",
            withDetail(sample("launch.json"), "LifecycleHookName", "graceful-exit"), false, true),
        Arguments.of("Auto Scaling's test notification", sample("test-notification.json"), false, false),
        Arguments.of("a terminate action of another group",
            withDetail(sample("terminate.json"), "AutoScalingGroupName", "batch-workers"), false, false),
        Arguments.of("a launch action of another group",
            withDetail(sample("launch.json"), "AutoScalingGroupName", "batch-workers"), false, false),
        Arguments.of("a terminate action at another hook of the group",
            withDetail(sample("terminate.json"), "LifecycleHookName", "someone-elses-hook"), false, false),
        Arguments.of("another Auto Scaling event",
            with(sample("terminate.json"), "detail-type", "EC2 Instance Terminate Successful"), false, false),
        Arguments.of("the same detail from another source",
            with(sample("terminate.json"), "source", "com.example.autoscaling"), false, false));
  }

  @ParameterizedTest(name = "{0}: without a launch runbook {2}, with one {3}")
  @MethodSource("deliveries")
  void theRuleDeliversExactlyTheGroupsLifecycleActions(String what, String event, boolean withoutLaunchRunbook,
      boolean withLaunchRunbook) throws Exception {
    assertEquals(withoutLaunchRunbook, matches(StackTemplate.deployedWith(TERMINATE_ONLY), event),
        what + ", with no launch runbook");
    assertEquals(withLaunchRunbook, matches(StackTemplate.deployedWith(WITH_LAUNCH), event),
        what + ", with a launch runbook");
  }

  @Test
  void theRuleFollowsTheGroupAndHookItIsDeployedFor() throws Exception {
    StackTemplate batch = StackTemplate.deployedWith(Map.of(
        "AutoScalingGroupName", "batch-workers", "LifecycleHookName", "drain"));
    String terminate = sample("terminate.json");

    assertFalse(matches(batch, terminate));
    assertTrue(matches(batch,
        withDetail(withDetail(terminate, "AutoScalingGroupName", "batch-workers"), "LifecycleHookName", "drain")));
  }

  /**
   * The runbooks' status-change events ("EC2 Automation Execution Status-change Notification",
   * Amazon EventBridge event examples for Systems Manager): an end of one of the stack's runbooks
   * reaches the function; another runbook's, a status that is no end, or a step's event does not.
   */
  @Test
  void theStatusRuleDeliversTheEndsOfTheStacksRunbooksOnly() throws Exception {
    String runbook = "LifecycleLogArchive-6d2d2e7b-5c29-4a28-8d6e-5a2c1f0c8b7a";
    StackTemplate stack = StackTemplate.deployedWith(WITH_LAUNCH, Map.of("LogArchiveRunbook", runbook));
    String ended = sample("runbook-ended.json");

    assertTrue(matchesStatusRule(stack, ended));
    assertTrue(matchesStatusRule(stack, withDetail(ended, "Status", "TimedOut")));
    assertTrue(matchesStatusRule(stack, withDetail(ended, "Definition", "warm-up-instance")));
    assertFalse(matchesStatusRule(stack, withDetail(ended, "Status", "InProgress")));
    assertFalse(matchesStatusRule(stack, withDetail(ended, "Definition", "AWS-RestartEC2Instance")));
    assertFalse(matchesStatusRule(stack, with(ended, "detail-type", "EC2 Automation Step Status-change Notification")));
    assertFalse(StackTemplate.deployedWith(Map.of("AutoScalingGroupName", "web-asg", "UseStatusEvents", "false"))
        .resource("RunbookStatusRule").isPresent());
  }

  /** Fleet mode: the ends of the runbooks AllowedRunbooks names reach the function too, and no other runbook's. */
  @Test
  void inFleetModeTheStatusRuleDeliversTheEndsOfTheAllowedRunbooksToo() throws Exception {
    String runbook = "LifecycleLogArchive-6d2d2e7b-5c29-4a28-8d6e-5a2c1f0c8b7a";
    StackTemplate fleet = StackTemplate.deployedWith(
        Map.of("AutoScalingGroupName", "", "AllowedRunbooks", "drain-and-archive,drain-quickly"),
        Map.of("LogArchiveRunbook", runbook));
    String ended = sample("runbook-ended.json");

    assertTrue(matchesStatusRule(fleet, ended));
    assertTrue(matchesStatusRule(fleet, withDetail(ended, "Definition", "drain-quickly")));
    assertFalse(matchesStatusRule(fleet, withDetail(ended, "Definition", "AWS-RestartEC2Instance")));
  }

  private static boolean matchesStatusRule(StackTemplate template, String event) throws Exception {
    Machine rule = new Machine();
    rule.addRule("runbook-ends",
        JSON.writeValueAsString(template.requiredResource("RunbookStatusRule").get("EventPattern")));
    return !rule.rulesForJSONEvent(event).isEmpty();
  }

  /** Fleet mode: every group's lifecycle actions at the stack's hook, and no other hook's. */
  @Test
  void inFleetModeTheRuleDeliversEveryGroupsActionsAtTheHook() throws Exception {
    StackTemplate fleet = StackTemplate.deployedWith(Map.of("AutoScalingGroupName", ""));
    String terminate = sample("terminate.json");

    assertTrue(matches(fleet, terminate));
    assertTrue(matches(fleet, withDetail(terminate, "AutoScalingGroupName", "batch-workers")));
    assertFalse(matches(fleet, withDetail(terminate, "LifecycleHookName", "someone-elses-hook")));
    assertFalse(matches(fleet, sample("launch.json")), "no launch runbook, no launch");
  }

  private static boolean matches(StackTemplate template, String event) throws Exception {
    Map<String, Object> events = StackTemplate.map(template.requiredResource("OrchestratorFunction").get("Events"));
    Object pattern = StackTemplate.map(StackTemplate.map(events.get("LifecycleAction")).get("Properties")).get("Pattern");
    Machine rule = new Machine();
    rule.addRule("lifecycle-actions", JSON.writeValueAsString(pattern));
    return !rule.rulesForJSONEvent(event).isEmpty();
  }

  private static String sample(String file) {
    try {
      return JSON.readTree(EVENTS.resolve(file).toFile()).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String with(String event, String field, String value) {
    return edited(event, root -> root.put(field, value));
  }

  private static String withDetail(String event, String field, String value) {
    return edited(event, root -> ((ObjectNode) root.get("detail")).put(field, value));
  }

  private static String edited(String event, Consumer<ObjectNode> edit) {
    try {
      ObjectNode root = (ObjectNode) JSON.readTree(event);
      edit.accept(root);
      return root.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
